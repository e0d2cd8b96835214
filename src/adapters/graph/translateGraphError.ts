import { GraphError } from '@microsoft/microsoft-graph-client';
import { GraphRequestError, GraphThrottledError, GraphUnavailableError, isGraphFault } from '../../ports/graphErrors';

// Graph's messages can name a recipient ("… 'jane@contoso.com' …"); errors end up in logs, addresses must not.
const address = /[^\s'"<>()@,;:]+@[^\s'"<>()@,;:]+/g;

/**
 * Maps whatever the Graph client threw to our typed faults (an anti-corruption layer): 429 → throttled with the
 * `Retry-After` delay, 5xx / no response / no token → unavailable, other 4xx → rejected with Graph's `error.code`.
 */
export function translateGraphError(e: unknown, label: string, timeoutMs: number | undefined): Error {
    if (isGraphFault(e)) return e;
    if (!(e instanceof GraphError)) {
        const reason = e instanceof Error ? e.message : String(e);
        return new GraphUnavailableError(`${label} failed: ${scrub(reason)}`, undefined, { cause: e });
    }
    const status = e.statusCode;
    const message = scrub(e.message);
    if (status <= 0) {
        // No HTTP response: the SDK wraps the fetch failure (abort, refused connection) with status -1.
        const reason = e.code === 'TimeoutError' ? `got no answer within ${timeoutMs} ms` : `failed: ${message}`;
        return new GraphUnavailableError(`${label} ${reason}`, undefined, { cause: e });
    }
    const text = `${label} answered ${status}${e.code ? ` ${e.code}` : ''}${message ? `: ${message}` : ''}`;
    if (status === 429) {
        return new GraphThrottledError(text, retryAfterMs(e.headers?.get('retry-after') ?? null), { cause: e });
    }
    if (status >= 500) return new GraphUnavailableError(text, status, { cause: e });
    return new GraphRequestError(text, status, e.code ?? undefined, { cause: e });
}

// OAuth errors with which Entra refuses the request itself (unknown app, no matching federated credential, bad
// scope): asking again changes nothing until someone fixes the registration, so they are rejections, not outages.
const refusedGrant =
    /\b(invalid_client|unauthorized_client|invalid_request|invalid_grant|invalid_scope|unsupported_grant_type)\b/;

/**
 * Maps a failed token acquisition to our faults: Entra refusing (an OAuth error, e.g. AADSTS70021 no matching
 * federated identity record) → rejected with the AADSTS code as `graphCode` and status 401 (Graph was never
 * called); anything else (the managed identity endpoint or Entra unreachable) → unavailable.
 */
export function translateTokenError(e: unknown, label: string, identity: string): Error {
    if (isGraphFault(e)) return e;
    const reason = scrub((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '');
    const text = `${label}: no token for ${identity}: ${reason}`;
    const oauth = refusedGrant.exec(reason)?.[1];
    if (oauth) return new GraphRequestError(text, 401, /AADSTS\d+/.exec(reason)?.[0] ?? oauth, { cause: e });
    return new GraphUnavailableError(text, undefined, { cause: e });
}

/** `Retry-After` in seconds (Graph's form); an HTTP date is accepted too. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
    if (header === null || header.trim() === '') return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
    const at = Date.parse(header);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function scrub(text: string): string {
    return text.replace(address, '<address>');
}
