/**
 * Faults of the state stores (Table Storage in Azure and on Azurite), translated at the adapter boundary so the
 * core can branch on `code` without knowing the SDK. Guards check a brand, not `instanceof`.
 */

/** The store cannot answer right now (Table Storage 5xx, a timeout or a network failure). Callers treat it as transient. */
export class StoreUnavailableError extends Error {
    readonly code = 'STORE_UNAVAILABLE';
    readonly isStoreUnavailableError = true;
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'StoreUnavailableError';
    }
}

/** Concurrent writers kept changing one row and the update could not land after several tries. Transient too. */
export class StoreConflictError extends Error {
    readonly code = 'STORE_CONFLICT';
    readonly isStoreConflictError = true;
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'StoreConflictError';
    }
}

function hasBrand(e: unknown, brand: string): boolean {
    return typeof e === 'object' && e !== null && (e as Record<string, unknown>)[brand] === true;
}

export const isStoreUnavailableError = (e: unknown): e is StoreUnavailableError =>
    hasBrand(e, 'isStoreUnavailableError');
export const isStoreConflictError = (e: unknown): e is StoreConflictError => hasBrand(e, 'isStoreConflictError');
