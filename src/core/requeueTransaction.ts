import type { Clock } from '../ports/clock';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';

export type RequeueOutcome =
    | { kind: 'requeued'; messageId: string }
    | { kind: 'notFound' }
    | { kind: 'notRetryable'; state: string };

const retryableStates = new Set(['failed', 'deadLettered']);

/**
 * Sends a failed transaction through the pipeline again (after a map or look-up fix). It keeps its transaction id,
 * so the ERP sees the same Idempotency-Key; the message id is new because the queue would drop a repeated one.
 */
export async function requeueTransaction(
    transactionId: string,
    deps: { store: TransactionStore; queue: Pick<SessionQueue, 'send'>; clock: Clock },
): Promise<RequeueOutcome> {
    const record = await deps.store.get(transactionId);
    if (!record) return { kind: 'notFound' };
    if (!retryableStates.has(record.state)) return { kind: 'notRetryable', state: record.state };
    const at = deps.clock.now().toISOString();
    const messageId = `${transactionId}~retry-${Date.parse(at)}`;
    const envelope = record.envelope;
    await deps.queue.send([
        {
            messageId,
            sessionId: envelope.sessionId,
            body: envelope,
            correlationId: envelope.correlationId,
            subject: envelope.type,
        },
    ]);
    await deps.store.updateState(transactionId, { state: 'queued' }, at);
    await deps.store.appendAudit({
        at,
        transactionId,
        sourceRecordId: envelope.source.recordId,
        action: 'requeue',
        outcome: 'ok',
        entityMapVersion: envelope.entityMapVersion,
        attempt: record.attempts,
        correlationId: envelope.correlationId,
    });
    return { kind: 'requeued', messageId };
}
