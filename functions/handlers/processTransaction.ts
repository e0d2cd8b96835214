import type { InvocationContext } from '@azure/functions';
import { processTransaction } from '../../src/core/processTransaction';
import { transactionEnvelopeSchema } from '../../src/domain/transactionEnvelopeSchema';
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

/** Service Bus session trigger: one message at a time per unit, in order. */
export function createProcessTransactionHandler(services: ServicesProvider) {
    return async (message: unknown, context: InvocationContext): Promise<void> => {
        const parsed = transactionEnvelopeSchema.safeParse(typeof message === 'string' ? JSON.parse(message) : message);
        if (!parsed.success) {
            // Never complete (that would lose it): after max deliveries it rests in the dead-letter queue for review.
            throw new RedeliverError(
                'ENVELOPE_INVALID',
                `queue message is not a transaction envelope: ${parsed.error.issues[0]?.message ?? ''}`,
            );
        }
        const deliveryCount = Number(context.triggerMetadata?.deliveryCount ?? 1);
        const s = await services();
        const outcome = await processTransaction(
            parsed.data,
            { deliveryCount },
            {
                ...s,
                maxDeliveryCount: s.settings.MAX_DELIVERY_COUNT,
                logger: contextLogger(context),
            },
        );
        if (!outcome.settle) throw new RedeliverError(outcome.failure.code, outcome.failure.message);
    };
}
