import type { Failure } from '../domain/failure';
import type { FieldValue } from '../domain/transaction';

/** The ERP record a write is about: its resource (`reservations`) and the business reference its path names. */
export interface ErpTarget {
    resource: string;
    /** `RSV-000123`; a unit's code for `units/{code}/status`; `building/period` for construction progress. */
    reference: string;
}

/** One HTTP call the ERP map produced for a transaction. */
export interface ErpRequest {
    method: 'POST' | 'PUT' | 'PATCH';
    /** Path relative to the ERP base URL, e.g. `/erp/v1/reservations`. */
    path: string;
    /** The record the path names: what the look-up before a re-push asks the ERP for. */
    target: ErpTarget;
    /**
     * Sent as the `Idempotency-Key` header: an ERP that keeps keys answers a replay with the original posting. Many
     * do not; the body's `integrationReference` is what exactly-once rests on there.
     */
    idempotencyKey: string;
    body: Record<string, FieldValue>;
    /** Correlation id sent as `x-correlation-id`. */
    correlationId: string;
}

export type ErpPostOutcome =
    | { kind: 'posted'; postingId: string; replayed: boolean }
    /** `notSent`: the client held the call back and the ERP never saw it (not an ERP call, not an ERP failure). */
    | { kind: 'failed'; failure: Failure; status?: number; notSent?: true };

/** One posting the ERP holds for a record (an amendment is a posting too). */
export interface ErpPosting {
    postingId: string;
    type: string;
    reference: string;
    /** The transaction id the write carried in its body (the ERP's external document number). */
    integrationReference: string;
    /** Only from an ERP that keeps idempotency keys. */
    idempotencyKey?: string;
    postedAt: string;
}

/** The ERP, over our documented REST contract (docs/erp-contract.openapi.json). */
export interface ErpClient {
    post(request: ErpRequest): Promise<ErpPostOutcome>;
    /**
     * Every posting the ERP holds for the record, oldest first: the look-up before a re-push (a posting carrying the
     * transaction's integrationReference means it was posted). Throws when the ERP cannot answer.
     */
    findPostings(target: ErpTarget): Promise<ErpPosting[]>;
    /** An accounting period's status (`YYYY-MM`): how a frozen period is re-probed. Throws when the ERP cannot answer. */
    periodStatus(period: string): Promise<'open' | 'frozen' | 'closed'>;
}
