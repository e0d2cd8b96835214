/** The store cannot answer right now (Table Storage 5xx or network). Callers treat it as transient. */
export class StoreUnavailableError extends Error {
    readonly code = 'STORE_UNAVAILABLE';
    readonly isStoreUnavailableError = true;
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'StoreUnavailableError';
    }
}

export function isStoreUnavailableError(e: unknown): e is StoreUnavailableError {
    return (
        typeof e === 'object' &&
        e !== null &&
        (e as { isStoreUnavailableError?: unknown }).isStoreUnavailableError === true
    );
}
