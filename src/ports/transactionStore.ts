import type { Failure } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import type { AuditEntry, TransactionRecord, TransactionState } from '../domain/transactionRecord';

export interface StatePatch {
    state: TransactionState;
    attempts?: number;
    erpPostingId?: string;
    /** `null` clears the last failure (e.g. after a successful post). */
    lastFailure?: Failure | null;
}

/**
 * Transaction state and audit trail: Azure Table Storage in Azure and locally (Azurite); an in-memory twin for unit tests.
 * Both are held to test/contract/transactionStore.contract.ts.
 */
export interface TransactionStore {
    /** Records an accepted transaction in state `queued`. Idempotent: an existing record is left as it is. */
    recordAccepted(envelope: TransactionEnvelope, at: string): Promise<void>;
    /** Updates state; creates nothing (throws TransactionNotFoundError for an unknown id). */
    updateState(transactionId: string, patch: StatePatch, at: string): Promise<TransactionRecord>;
    get(transactionId: string): Promise<TransactionRecord | undefined>;
    /** Every transaction for one CRM record, oldest accepted first. */
    listBySourceRecord(sourceRecordId: string): Promise<TransactionRecord[]>;
    /** Every transaction in a state, oldest accepted first (at most `max`). */
    listByState(state: TransactionState, max: number): Promise<TransactionRecord[]>;
    /** Every transaction last updated at or after `since` (ISO 8601), oldest accepted first (at most `max`): for trends. */
    listUpdatedSince(since: string, max: number): Promise<TransactionRecord[]>;
    appendAudit(entry: AuditEntry): Promise<void>;
    /** The audit trail of one transaction in the order it was written. */
    listAudit(transactionId: string): Promise<AuditEntry[]>;
}

/**
 * Every method passed through to `inner`, for a decorator that replaces a few (class methods use private fields, so
 * they are called on `inner`, never copied off it).
 */
export function delegatingTransactionStore(inner: TransactionStore): TransactionStore {
    return {
        recordAccepted: (e, at) => inner.recordAccepted(e, at),
        updateState: (id, patch, at) => inner.updateState(id, patch, at),
        get: (id) => inner.get(id),
        listBySourceRecord: (id) => inner.listBySourceRecord(id),
        listByState: (state, max) => inner.listByState(state, max),
        listUpdatedSince: (since, max) => inner.listUpdatedSince(since, max),
        appendAudit: (entry) => inner.appendAudit(entry),
        listAudit: (id) => inner.listAudit(id),
    };
}

export class TransactionNotFoundError extends Error {
    readonly code = 'TRANSACTION_NOT_FOUND';
    constructor(readonly transactionId: string) {
        super(`No transaction with id ${transactionId}`);
        this.name = 'TransactionNotFoundError';
    }
}
