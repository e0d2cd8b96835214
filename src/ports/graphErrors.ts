/**
 * Faults of Microsoft Graph (mail and Teams), translated at the adapter boundary so the core can tell a notice
 * worth retrying from one that never will be sent. Guards check a brand, not `instanceof`.
 */

/** 429: Graph throttled the mailbox or the team; retry after `retryAfterMs` (from `Retry-After`). */
export class GraphThrottledError extends Error {
    readonly code = 'GRAPH_THROTTLED';
    readonly isGraphThrottledError = true;
    constructor(
        message: string,
        readonly retryAfterMs: number | undefined,
        options?: { cause?: unknown },
    ) {
        super(message, options);
        this.name = 'GraphThrottledError';
    }
}

/** 5xx, a timeout, a network failure or no token: Graph could not be reached or could not answer. */
export class GraphUnavailableError extends Error {
    readonly code = 'GRAPH_UNAVAILABLE';
    readonly isGraphUnavailableError = true;
    constructor(
        message: string,
        readonly status: number | undefined,
        options?: { cause?: unknown },
    ) {
        super(message, options);
        this.name = 'GraphUnavailableError';
    }
}

/** Any other 4xx (bad body, unknown mailbox or channel, missing permission); `graphCode` is Graph's `error.code`. */
export class GraphRequestError extends Error {
    readonly code = 'GRAPH_REQUEST_REJECTED';
    readonly isGraphRequestError = true;
    constructor(
        message: string,
        readonly status: number,
        readonly graphCode: string | undefined,
        options?: { cause?: unknown },
    ) {
        super(message, options);
        this.name = 'GraphRequestError';
    }
}

export type GraphFault = GraphThrottledError | GraphUnavailableError | GraphRequestError;

function hasBrand(e: unknown, brand: string): boolean {
    return typeof e === 'object' && e !== null && (e as Record<string, unknown>)[brand] === true;
}

export const isGraphThrottledError = (e: unknown): e is GraphThrottledError => hasBrand(e, 'isGraphThrottledError');
export const isGraphUnavailableError = (e: unknown): e is GraphUnavailableError =>
    hasBrand(e, 'isGraphUnavailableError');
export const isGraphRequestError = (e: unknown): e is GraphRequestError => hasBrand(e, 'isGraphRequestError');

export function isGraphFault(e: unknown): e is GraphFault {
    return isGraphThrottledError(e) || isGraphUnavailableError(e) || isGraphRequestError(e);
}
