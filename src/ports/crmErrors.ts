/**
 * Faults of the Dataverse Web API, translated at the adapter boundary so the core can branch on `code`
 * without knowing HTTP. Guards check a brand, not `instanceof`, so they survive duplicated module copies.
 */

/** 429 from Dataverse's service protection limits; retry after `retryAfterMs` (from `Retry-After`). */
export class CrmThrottledError extends Error {
    readonly code = 'CRM_THROTTLED';
    readonly isCrmThrottledError = true;
    constructor(
        message: string,
        readonly retryAfterMs: number | undefined,
        options?: { cause?: unknown },
    ) {
        super(message, options);
        this.name = 'CrmThrottledError';
    }
}

/** 5xx, a timeout or a network failure: Dataverse could not answer. */
export class CrmUnavailableError extends Error {
    readonly code = 'CRM_UNAVAILABLE';
    readonly isCrmUnavailableError = true;
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'CrmUnavailableError';
    }
}

/** 401/403, or no token could be acquired: usually an expired token or a missing application user. */
export class CrmAuthError extends Error {
    readonly code = 'CRM_AUTH';
    readonly isCrmAuthError = true;
    constructor(
        message: string,
        readonly status: number | undefined,
        options?: { cause?: unknown },
    ) {
        super(message, options);
        this.name = 'CrmAuthError';
    }
}

/** Any other 4xx: Dataverse refused the request itself; `dataverseCode` is its `error.code` (e.g. `0x80060888`). */
export class CrmRequestError extends Error {
    readonly code = 'CRM_REQUEST_REJECTED';
    readonly isCrmRequestError = true;
    constructor(
        message: string,
        readonly status: number,
        readonly dataverseCode: string | undefined,
    ) {
        super(message);
        this.name = 'CrmRequestError';
    }
}

/** The integration tried to write a column the CRM owns; refused before any request is sent. */
export class CrmFieldNotOwnedError extends Error {
    readonly code = 'CRM_FIELD_NOT_OWNED';
    readonly isCrmFieldNotOwnedError = true;
    constructor(
        readonly entity: string,
        readonly field: string,
    ) {
        super(`column ${entity}.${field} is not owned by the integration; refusing to write it`);
        this.name = 'CrmFieldNotOwnedError';
    }
}

export type CrmError = CrmThrottledError | CrmUnavailableError | CrmAuthError | CrmRequestError | CrmFieldNotOwnedError;

function hasBrand(e: unknown, brand: string): boolean {
    return typeof e === 'object' && e !== null && (e as Record<string, unknown>)[brand] === true;
}

export const isCrmThrottledError = (e: unknown): e is CrmThrottledError => hasBrand(e, 'isCrmThrottledError');
export const isCrmUnavailableError = (e: unknown): e is CrmUnavailableError => hasBrand(e, 'isCrmUnavailableError');
export const isCrmAuthError = (e: unknown): e is CrmAuthError => hasBrand(e, 'isCrmAuthError');
export const isCrmRequestError = (e: unknown): e is CrmRequestError => hasBrand(e, 'isCrmRequestError');
export const isCrmFieldNotOwnedError = (e: unknown): e is CrmFieldNotOwnedError =>
    hasBrand(e, 'isCrmFieldNotOwnedError');

export function isCrmError(e: unknown): e is CrmError {
    return (
        isCrmThrottledError(e) ||
        isCrmUnavailableError(e) ||
        isCrmAuthError(e) ||
        isCrmRequestError(e) ||
        isCrmFieldNotOwnedError(e)
    );
}
