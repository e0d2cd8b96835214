import type { InvocationContext } from '@azure/functions';
import { parseSessionMessage } from '../../src/core/sessionMessage';
import { handleSessionMessage } from '../../src/core/sessionProcessor';
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
 * unreachable) throws, so the host redelivers the message, and on the last delivery it is recorded as dead-lettered.
 */
export function createProcessTransactionHandler(services: ServicesProvider) {
    return async (message: unknown, context: InvocationContext): Promise<void> => {
        const parsed = parseSessionMessage(typeof message === 'string' ? JSON.parse(message) : message);
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
        try {
            const message = parsed.message;
            await traceProcessing(message, metadata, () => handleSessionMessage(sessionId, message, { ...s, logger }));
        } catch (e) {
            if (deliveryCount >= s.settings.MAX_DELIVERY_COUNT && parsed.message.kind === 'transaction') {
                const id = parsed.message.envelope.transactionId;
                await s.store
                    .updateState(id, { state: 'deadLettered' }, s.clock.now().toISOString())
                    .catch(() => undefined);
                logger.error('transaction dead-lettered after its last delivery', { transactionId: id });
            }
            throw e;
        }
    };
}
