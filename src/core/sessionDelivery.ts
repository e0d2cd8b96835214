import { isGateConflictError } from '../ports/sessionGateStore';
import { isStateConflictError } from '../ports/transactionStore';
import { recordDeadLetter } from './deadLetter';
import { describeError } from './describeError';
import type { Invocation } from './invocation';
import type { SessionDeps } from './sessionDeps';
import type { SessionMessage } from './sessionMessage';
import { handleSessionMessage } from './sessionProcessor';

/** One delivery of a session message, as the host hands it over. */
export interface Delivery {
    sessionId: string;
    message: SessionMessage;
    /** 1 on the first delivery. */
    deliveryCount: number;
    /** The queue's max delivery count: the delivery that reaches it is the last. */
    maxDeliveries: number;
}

/**
 * Handles one delivery. It throws whenever the message must not be completed: an infrastructure fault (the host
 * abandons it and it comes back, first in its session) or a conflict (this invocation lost the session to another
 * instance mid-way: it records nothing more). On the last delivery, the transaction the message was moving is
 * recorded as dead-lettered and blocks its unit before the queue moves the message to its dead-letter queue.
 */
export async function processDelivery(delivery: Delivery, deps: SessionDeps, invocation: Invocation): Promise<void> {
    const { sessionId, message } = delivery;
    try {
        await handleSessionMessage(sessionId, message, deps, invocation);
    } catch (e) {
        if (isGateConflictError(e) || isStateConflictError(e)) {
            deps.logger.warn('session changed hands mid-invocation; this invocation stops', {
                sessionId,
                error: describeError(e),
            });
        } else if (delivery.deliveryCount >= delivery.maxDeliveries) {
            await recordDeadLetter(sessionId, message, e, delivery.deliveryCount, deps).catch((recordError: unknown) =>
                deps.logger.error('could not record the dead-letter; the stuck-transaction sweep will find it', {
                    sessionId,
                    error: describeError(recordError),
                }),
            );
        }
        throw e;
    }
}
