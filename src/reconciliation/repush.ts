import { randomUUID } from 'node:crypto';
import { backlogEntry } from '../core/sessionBacklog';
import { finalStates } from '../domain/transactionRecord';
import type { Clock } from '../ports/clock';
import type { SessionGateStore } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';

export interface RepushDeps {
    store: TransactionStore;
    gates: Pick<SessionGateStore, 'admit'>;
    queue: Pick<SessionQueue, 'send'>;
    clock: Clock;
}

export type RepushOutcome =
    | { kind: 'queued'; transactionId: string; sessionId: string }
    | { kind: 'neverAccepted' }
    | { kind: 'onItsWay'; transactionId: string; state: string };

/**
 * Re-pushes a CRM record the ERP lost, found by reconciliation: its newest applied transaction goes back to `queued`
 * and its envelope into the unit's session, exactly as a review retry does. The processor then posts it with the
 * same Idempotency-Key, so an ERP that still holds it answers a replay and nothing is posted twice; it is never a
 * direct ERP write. A record whose transaction is still on its way is left to the pipeline.
 */
export async function repushRecord(sourceRecordId: string, by: string, deps: RepushDeps): Promise<RepushOutcome> {
    const transactions = await deps.store.listBySourceRecord(sourceRecordId.toLowerCase());
    const waiting = transactions.find((t) => !finalStates.has(t.state) && t.state !== 'posted');
    if (waiting) return { kind: 'onItsWay', transactionId: waiting.envelope.transactionId, state: waiting.state };
    // The newest change that was applied is what the ERP should hold; stale and discarded ones never should, and a
    // resolved one was settled by hand in the ERP under a reference we did not post.
    const applied = [...transactions].reverse().find((t) => t.state === 'confirmed' || t.state === 'posted');
    if (!applied) return { kind: 'neverAccepted' };
    const { envelope } = applied;
    const at = deps.clock.now().toISOString();
    // The ERP lost it: its posting id no longer stands, and the push goes out again (under the same key).
    await deps.store.updateState(
        envelope.transactionId,
        { state: 'queued', from: [applied.state], attempts: 0, lastFailure: null, erpPostingId: null },
        at,
    );
    await deps.store.appendAudit({
        at,
        transactionId: envelope.transactionId,
        sourceRecordId: envelope.source.recordId,
        action: 'reconciliation:repush',
        outcome: 'ok',
        entityMapVersion: envelope.entityMapVersion,
        attempt: applied.attempts,
        correlationId: envelope.correlationId,
        payload: {
            by,
            previousState: applied.state,
            ...(applied.erpPostingId ? { previousPostingId: applied.erpPostingId } : {}),
        },
    });
    // Back in its unit's backlog, as when it was first accepted.
    await deps.gates.admit(envelope.sessionId, backlogEntry(envelope));
    // A fresh message id: the original one (the idempotency key) would be dropped by duplicate detection.
    await deps.queue.send([{ messageId: `repush-${randomUUID()}`, sessionId: envelope.sessionId, body: envelope }]);
    return { kind: 'queued', transactionId: envelope.transactionId, sessionId: envelope.sessionId };
}
