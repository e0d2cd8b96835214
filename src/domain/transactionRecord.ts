import type { Failure } from './failure';
import type { FieldValue, TransactionEnvelope } from './transaction';

/**
 * Where a transaction stands. `queued`, `processing` and `retrying` are waiting states; `posted` means the ERP
 * accepted it and the CRM confirmation is still owed; `confirmed` is terminal success (ERP id written back to the CRM).
 */
export type TransactionState =
    | 'queued'
    | 'processing'
    | 'retrying'
    | 'posted'
    | 'confirmed'
    | 'failed'
    | 'deadLettered';

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

/** The current state of one transaction, as the store keeps it. */
export interface TransactionRecord {
    envelope: TransactionEnvelope;
    state: TransactionState;
    attempts: number;
    erpPostingId?: string;
    lastFailure?: Failure;
    updatedAt: string;
}
