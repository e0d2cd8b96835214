import type { Failure } from '../domain/failure';
import type { FieldValue } from '../domain/transaction';

/** One HTTP call the ERP map produced for a transaction. */
export interface ErpRequest {
    method: 'POST' | 'PUT' | 'PATCH';
    /** Path relative to the ERP base URL, e.g. `/erp/v1/reservations`. */
    path: string;
    /** Sent as the `Idempotency-Key` header: the ERP answers a replay with the original posting. */
    idempotencyKey: string;
    body: Record<string, FieldValue>;
    /** Correlation id sent as `x-correlation-id`. */
    correlationId: string;
}

export type ErpPostOutcome =
    | { kind: 'posted'; postingId: string; replayed: boolean }
    /** `notSent`: the client held the call back and the ERP never saw it (not an ERP call, not an ERP failure). */
    | { kind: 'failed'; failure: Failure; status?: number; notSent?: true };

export interface ErpPosting {
    postingId: string;
    idempotencyKey: string;
    type: string;
    reference: string;
    postedAt: string;
}

/** The ERP, over our documented REST contract (docs/erp-contract.openapi.json). */
export interface ErpClient {
    post(request: ErpRequest): Promise<ErpPostOutcome>;
    /** The posting already made under this idempotency key, if any (look-up before any re-push). */
    findByIdempotencyKey(idempotencyKey: string): Promise<ErpPosting | undefined>;
    /** An accounting period's status (`YYYY-MM`): how a frozen period is re-probed. Throws when the ERP cannot answer. */
    periodStatus(period: string): Promise<'open' | 'frozen' | 'closed'>;
}
