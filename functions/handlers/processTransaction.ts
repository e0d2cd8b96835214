import type { InvocationContext } from '@azure/functions';
import { startInvocation } from '../../src/core/invocation';
import { processDelivery } from '../../src/core/sessionDelivery';
import { parseSessionMessage } from '../../src/core/sessionMessage';
import { traceProcessing } from '../../src/telemetry/handlerTracing';
import type { ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';

/** Thrown so the host abandons the message: it comes back in session order, and is dead-lettered after max deliveries. */
export class RedeliverError extends Error {
    readonly code: string;
    constructor(code: string, message: string) {
        super(message);
        this.name = 'RedeliverError';
        this.code = code;
    }
}

/**
 * Service Bus session trigger: one message at a time per unit, in order. Business outcomes (posted, retry
 * scheduled, parked, held, review) are all settled by returning; only an infrastructure fault (store or queue
 * unreachable) throws, so the host redelivers the message, and on the last delivery its transaction is recorded as
 * dead-lettered and blocks its unit. A conflict means this invocation lost the session to another instance (its lock
 * expired): it stops, and records nothing more.
 */
export function createProcessTransactionHandler(services: ServicesProvider) {
    return async (body: unknown, context: InvocationContext): Promise<void> => {
        const parsed = parseSessionMessage(typeof body === 'string' ? JSON.parse(body) : body);
        if (!parsed.ok) {
            // Never complete (that would lose it): after max deliveries it rests in the dead-letter queue for review.
            throw new RedeliverError(
                'ENVELOPE_INVALID',
                `queue message is neither a transaction nor a control message: ${parsed.reason}`,
            );
        }
        const metadata = context.triggerMetadata ?? {};
        const sessionId = String(
            metadata.sessionId ?? (parsed.message.kind === 'transaction' ? parsed.message.envelope.sessionId : ''),
        );
        const deliveryCount = Number(metadata.deliveryCount ?? 1);
        const s = await services();
        const logger = contextLogger(context);
        // The work budget runs from the moment the host handed the message over, under its lock.
        const invocation = startInvocation(s.clock.now().getTime(), s.budget, String(context.invocationId));
        const message = parsed.message;
        await traceProcessing(message, metadata, () =>
            processDelivery(
                { sessionId, message, deliveryCount, maxDeliveries: s.settings.MAX_DELIVERY_COUNT },
                { ...s, logger },
                invocation,
            ),
        );
    };
}
