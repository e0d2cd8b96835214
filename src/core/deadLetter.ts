import { randomUUID } from 'node:crypto';
import type { Failure } from '../domain/failure';
import { finalStates } from '../domain/transactionRecord';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import { isGateConflictError, type SessionGateStore } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';
import { enqueueSync } from './crmSync';
import { describeError } from './describeError';
import { haltPatch } from './haltPatch';
import { auditNote } from './sessionAudit';
import type { SessionMessage } from './sessionMessage';

export interface DeadLetterDeps {
    store: TransactionStore;
    gates: SessionGateStore;
    queue: Pick<SessionQueue, 'send'>;
    clock: Clock;
    logger: Logger;
}

/**
 * The message's last delivery failed: the queue dead-letters it, and nothing will move its transaction any more.
 * The transaction it was moving (its own, a retry's or reprocess's target, a drain's next one) is marked
 * `deadLettered`, from the state it is in (never one already ended or in review), and blocks its unit like a review
 * item: later transactions of the unit wait behind it until an operator retries, resolves or discards it. What cannot
 * be recorded now (the store down) the stuck-transaction sweep finds later. Answers the transaction marked, if any.
 */
export async function recordDeadLetter(
    sessionId: string,
    message: SessionMessage,
    error: unknown,
    deliveries: number,
    deps: DeadLetterDeps,
): Promise<string | undefined> {
    let gate = await deps.gates.get(sessionId);
    const id =
        message.kind === 'transaction'
            ? message.envelope.transactionId
            : (message.control.transactionId ?? gate.blockedBy ?? gate.held[0]);
    if (!id) return undefined;
    if (message.kind === 'transaction' && !(await deps.store.get(id)))
        await deps.store.recordAccepted(message.envelope, message.envelope.acceptedAt);
    const record = await deps.store.get(id);
    if (!record || finalStates.has(record.state) || record.state === 'review' || record.state === 'deadLettered')
        return undefined;
    const failure: Failure = {
        class: 'transient',
        code: 'DEAD_LETTERED',
        message: `dead-lettered after ${deliveries} deliveries while ${record.state}: ${describeError(error)}`,
        owner: 'integration',
    };
    await deps.store.updateState(id, haltPatch(record, 'deadLettered', failure), deps.clock.now().toISOString());
    for (let tries = 1; ; tries++) {
        const placed = gate.blockedBy === id || gate.held.includes(id);
        const synced = gate.syncs?.includes(id) === true;
        if (placed && synced) break;
        if (!placed && gate.blockedBy === null) gate.blockedBy = id;
        else if (!placed) gate.held.push(id);
        // Its CRM row says so, when the unit's next message (or an operator's action) runs the sync lane.
        enqueueSync(gate, id);
        try {
            await deps.gates.put(gate);
            break;
        } catch (e) {
            if (!isGateConflictError(e) || tries >= 3) throw e;
            gate = await deps.gates.get(sessionId);
        }
    }
    await auditNote(deps, record.envelope, 'deadLetter', failure.message);
    // Best effort: the queue may be what failed. Otherwise the unit's next message writes the row.
    await deps.queue
        .send([{ messageId: `sync-${randomUUID()}`, sessionId, body: { control: 'sync', reason: 'dead-lettered' } }])
        .catch(() => undefined);
    deps.logger.error('transaction dead-lettered after its last delivery; its unit waits behind it', {
        transactionId: id,
        sessionId,
        state: record.state,
    });
    return id;
}
