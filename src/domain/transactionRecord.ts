import type { Failure } from './failure';
import type { FieldValue, TransactionEnvelope } from './transaction';

/** States that are not final: counted live over the whole store, however old. */
export const openStates = [
    'queued',
    'processing',
    'retrying',
    'parked',
    'held',
    'review',
    'deadLettered',
    'posted',
] as const;

/** States that end a transaction (finalStates below). */
const endStates = ['confirmed', 'resolved', 'discarded', 'stale'] as const;

/**
 * Where a transaction stands.
 * - waiting: `queued`, `processing`, `retrying` (a transient failure, retry scheduled), `parked` (a business block:
 *   waits for its condition to clear), `held` (waits behind an earlier unresolved transaction of its unit);
 * - needing a person: `review` (a defect, a duplicate, or retries exhausted), `deadLettered`;
 * - done: `posted` (the ERP holds it; the CRM confirmation is still owed), `confirmed` (written back to the CRM),
 *   `resolved` (closed by hand with the ERP reference), `discarded` (closed by hand with a reason), `stale` (an
 *   update older than one already applied for the same CRM record: not applied, audited).
 */
export const transactionStates = [...openStates, ...endStates] as const;

export type TransactionState = (typeof transactionStates)[number];

/** States in which a transaction still blocks the later transactions of its unit. */
export const unresolvedStates: ReadonlySet<TransactionState> = new Set([
    'retrying',
    'parked',
    'review',
    'deadLettered',
]);

/** States that end a transaction. */
export const finalStates: ReadonlySet<TransactionState> = new Set(endStates);

/** One line of the audit trail (what the seeds ask for: source, target, action, payload version, outcome, reason, retries). */
export interface AuditEntry {
    at: string;
    transactionId: string;
    sourceRecordId: string;
    /** ERP posting id once known. */
    targetRecordId?: string;
    /** What was attempted: `accepted`, `post`, `writeBack`, `deadLetter`, ... */
    action: string;
    outcome: 'ok' | 'failed' | 'skipped';
    entityMapVersion: string;
    erpMapVersion?: string;
    /** The ERP payload sent (or the mapped data on acceptance). */
    payload?: Record<string, FieldValue>;
    failure?: Failure;
    /** Delivery attempt number (1 = first delivery). */
    attempt: number;
    correlationId: string;
}

/**
 * An ERP call in flight: written with `processing` before the call, by the session handler that makes it. Another
 * handler that takes the unit's session over (its lock expired mid-call) must not call the ERP for this transaction
 * before `until` (the caller's ERP timeout has ended by then), and a late write by the first handler is refused once
 * someone else holds the claim.
 */
export interface ErpCallClaim {
    /** The handler invocation that makes the call. */
    owner: string;
    /** ISO 8601: the call has ended, one way or the other, by then. */
    until: string;
}

/** The current state of one transaction, as the store keeps it. */
export interface TransactionRecord {
    envelope: TransactionEnvelope;
    state: TransactionState;
    attempts: number;
    erpPostingId?: string;
    lastFailure?: Failure;
    /** Set while an ERP call for it is in flight (see ErpCallClaim). */
    claim?: ErpCallClaim;
    /**
     * An earlier ERP call ended without a definite answer (a timeout, a dropped connection, a crash mid-call), so the
     * ERP may hold it: before pushing again, look it up in the ERP. Cleared once the ERP's answer is known.
     */
    lookUpBeforePush?: boolean;
    /** Counts the record's updates (absent: never updated), so a writer can insist on the very version it read. */
    revision?: number;
    updatedAt: string;
}
