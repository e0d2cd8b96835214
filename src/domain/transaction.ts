/**
 * The domain transaction: what one Dataverse event becomes after the entity map.
 * It travels on the queue as JSON, so every field is plain data.
 */
export const transactionTypes = [
    'customer',
    'reservation',
    'instalment',
    'receipt',
    'commission',
    'constructionProgress',
    'unitStatus',
] as const;
export type TransactionType = (typeof transactionTypes)[number];

/** What the CRM change means for the ERP record. */
export type TransactionAction = 'upsert' | 'cancel' | 'delete';

/** A mapped field value: the normalised Dataverse value after the map's transformation. */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

export interface SourceRecord {
    /** Dataverse table logical name, e.g. `re_reservation`. */
    entity: string;
    /** Dataverse record id (lowercase GUID). */
    recordId: string;
    /** Dataverse message, e.g. `Create`, `Update`, `Delete`. */
    message: string;
    /** Record version (Target RowVersion / versionnumber) when Dataverse sent one. */
    version?: string;
    /** ISO 8601 UTC time of the change in the CRM (modifiedon, else OperationCreatedOn). */
    changedAt: string;
}

/**
 * Why the CRM row could not be mapped as the event (or a later read) gave it: a required column missing or empty, or
 * a value the map cannot read. The transaction is kept all the same (a bad row is routed to its owner, never dropped):
 * its attempt fails it as a defect without calling the ERP, and a retry re-reads the row and maps it again.
 * Never the value itself: the reason says what was expected and what kind of value came.
 */
export interface InvalidRow {
    code: 'FIELD_REQUIRED' | 'FIELD_INVALID';
    /** `<table>.<column>`, where a CRM administrator looks. */
    field: string;
    /** Why, e.g. `is required but is empty`, `expected a Money value, got text`. */
    reason: string;
    /** Other columns of the row that failed too (`<table>.<column>`), if any. */
    alsoInvalid?: string[];
}

export interface TransactionEnvelope {
    /** Idempotency key: the same CRM change always yields the same id (also the queue message id). */
    transactionId: string;
    type: TransactionType;
    action: TransactionAction;
    /** Ordering key: one session per unit (building for construction progress, contact for a buyer). */
    sessionId: string;
    source: SourceRecord;
    /** Dataverse's CorrelationId, carried end to end. */
    correlationId: string;
    /** Version of the entity map that produced `data`. */
    entityMapVersion: string;
    /** ISO 8601 UTC time intake accepted the event. */
    acceptedAt: string;
    /** The mapped business fields, keyed by the map's target names (for an invalid row: what mapped cleanly). */
    data: Record<string, FieldValue>;
    /**
     * Fields the map marks personal (a buyer's name, e-mail, phone, national id), left out of `data`: they never go
     * into the queue or Table Storage, and are read from the CRM row right before the ERP call that needs them.
     */
    personalFields?: string[];
    /** Set when the row could not be mapped: the transaction goes to review instead of the ERP (see InvalidRow). */
    invalid?: InvalidRow;
}
