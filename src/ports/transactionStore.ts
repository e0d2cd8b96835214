import type { Failure } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import type { AuditEntry, ErpCallClaim, TransactionRecord, TransactionState } from '../domain/transactionRecord';

/**
 * A state change. It names the states it may start from: the store applies it only if the stored state is one of
 * them (and, with `claimedBy`, only while that handler holds the ERP call claim), checked against what is stored at
 * the moment of writing, so of two writers racing from one state exactly one wins, and a late writer whose session
 * changed hands loses instead of overwriting what the new holder recorded.
 */
export interface StatePatch {
    state: TransactionState;
    /** The states this change may start from; anything else is refused with StateConflictError. */
    from: readonly TransactionState[];
    /** Applies only while this owner holds the record's ERP call claim. */
    claimedBy?: string;
    /**
     * Applies only to this revision of the record (the one the writer read): a state can be left and re-entered in
     * between (retrying → processing → retrying), and a decision taken on the older version must not land.
     */
    ifRevision?: number;
    attempts?: number;
    /** `null` forgets it (a reconciliation re-push of a posting the ERP lost). */
    erpPostingId?: string | null;
    /** `null` clears the last failure (e.g. after a successful post). */
    lastFailure?: Failure | null;
    /** `null` clears it (the call ended). */
    claim?: ErpCallClaim | null;
    lookUpBeforePush?: boolean;
    /**
     * The transaction as its row maps now (a retry of a row the map could not read re-reads it): same transaction id,
     * session and acceptance; refused (StateConflictError) if the id differs.
     */
    envelope?: TransactionEnvelope;
}

/** Why a patch does not apply to the record as stored, or undefined when it does. */
export function patchConflict(record: TransactionRecord, patch: StatePatch): string | undefined {
    if (!patch.from.includes(record.state))
        return `it is ${record.state}, not ${patch.from.join(' or ')}, so it cannot become ${patch.state}`;
    if (patch.claimedBy !== undefined && record.claim?.owner !== patch.claimedBy)
        return `its ERP call is no longer claimed by ${patch.claimedBy}`;
    if (patch.ifRevision !== undefined && (record.revision ?? 0) !== patch.ifRevision)
        return `it changed since revision ${patch.ifRevision} was read (now ${record.revision ?? 0})`;
    if (patch.envelope && patch.envelope.transactionId !== record.envelope.transactionId)
        return `the new envelope is transaction ${patch.envelope.transactionId}`;
    return undefined;
}

/** The record with a patch applied (a new object; `current` is not changed). */
export function applyPatch(current: TransactionRecord, patch: StatePatch, at: string): TransactionRecord {
    const next: TransactionRecord = {
        ...current,
        state: patch.state,
        revision: (current.revision ?? 0) + 1,
        updatedAt: at,
    };
    if (patch.attempts !== undefined) next.attempts = patch.attempts;
    if (patch.erpPostingId === null) delete next.erpPostingId;
    else if (patch.erpPostingId !== undefined) next.erpPostingId = patch.erpPostingId;
    if (patch.lastFailure === null) delete next.lastFailure;
    else if (patch.lastFailure !== undefined) next.lastFailure = patch.lastFailure;
    if (patch.claim === null) delete next.claim;
    else if (patch.claim !== undefined) next.claim = patch.claim;
    if (patch.lookUpBeforePush === false) delete next.lookUpBeforePush;
    else if (patch.lookUpBeforePush) next.lookUpBeforePush = true;
    if (patch.envelope) next.envelope = patch.envelope;
    return next;
}

/**
 * Transaction state and audit trail: Azure Table Storage in Azure and locally (Azurite); an in-memory twin for unit tests.
 * Both are held to test/contract/transactionStore.contract.ts.
 */
export interface TransactionStore {
    /** Records an accepted transaction in state `queued`. Idempotent: an existing record is left as it is. */
    recordAccepted(envelope: TransactionEnvelope, at: string): Promise<void>;
    /**
     * Updates state when the stored record allows it (StatePatch.from, claimedBy), else throws StateConflictError and
     * changes nothing; creates nothing (throws TransactionNotFoundError for an unknown id).
     */
    updateState(transactionId: string, patch: StatePatch, at: string): Promise<TransactionRecord>;
    get(transactionId: string): Promise<TransactionRecord | undefined>;
    /** Every transaction for one CRM record, oldest accepted first. */
    listBySourceRecord(sourceRecordId: string): Promise<TransactionRecord[]>;
    /** Every transaction in a state, oldest accepted first (at most `max`). */
    listByState(state: TransactionState, max: number): Promise<TransactionRecord[]>;
    /** Every transaction last updated at or after `since` (ISO 8601), oldest accepted first (at most `max`): for trends. */
    listUpdatedSince(since: string, max: number): Promise<TransactionRecord[]>;
    appendAudit(entry: AuditEntry): Promise<void>;
    /**
     * Deletes transactions that ended (confirmed, resolved, discarded, stale) and were last updated before `before`
     * (ISO 8601), with their audit trail and index rows: at most `max` per call. Answers what it deleted.
     */
    purgeEnded(before: string, max: number): Promise<{ transactions: number; auditRows: number }>;
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
        purgeEnded: (before, max) => inner.purgeEnded(before, max),
        listAudit: (id) => inner.listAudit(id),
    };
}

/** A state change refused because the record is no longer where the writer thought (see StatePatch). */
export class StateConflictError extends Error {
    readonly code = 'STATE_CONFLICT';
    readonly isStateConflictError = true;
    constructor(
        readonly transactionId: string,
        readonly reason: string,
    ) {
        super(`Transaction ${transactionId} not changed: ${reason}`);
        this.name = 'StateConflictError';
    }
}

export const isStateConflictError = (e: unknown): e is StateConflictError =>
    typeof e === 'object' && e !== null && (e as { isStateConflictError?: unknown }).isStateConflictError === true;

export class TransactionNotFoundError extends Error {
    readonly code = 'TRANSACTION_NOT_FOUND';
    constructor(readonly transactionId: string) {
        super(`No transaction with id ${transactionId}`);
        this.name = 'TransactionNotFoundError';
    }
}
