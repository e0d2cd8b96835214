import type { TransactionEnvelope } from '../domain/transaction';
import { finalStates, type TransactionState } from '../domain/transactionRecord';
import type { BacklogEntry } from '../ports/sessionGateStore';

/**
 * A session's backlog: every transaction intake accepted for the unit and that is not yet done, in acceptance order
 * (the time intake stamped, then the transaction id). Intake admits a transaction before it enqueues it, so the
 * backlog knows of transactions whose queue message was never sent or got lost; the session handler, before it runs
 * a transaction, lets any earlier one that is neither done nor in the gate go first. The acceptance order is the
 * unit's order: where it differs from the queue's (two events of one unit accepted within the same moment by two
 * instances), the backlog's order wins, consistently.
 */
export function backlogKey(envelope: Pick<TransactionEnvelope, 'acceptedAt' | 'transactionId'>): string {
    return `${envelope.acceptedAt}|${envelope.transactionId}`;
}

export function backlogEntry(envelope: TransactionEnvelope): BacklogEntry {
    return { key: backlogKey(envelope), transactionId: envelope.transactionId };
}

/** The ERP holds it or it ended: a later transaction of the unit no longer waits for it. */
export function doneForOrder(state: TransactionState): boolean {
    return state === 'posted' || finalStates.has(state);
}
