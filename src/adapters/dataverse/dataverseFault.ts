import {
    CrmAuthError,
    CrmRequestError,
    CrmThrottledError,
    CrmUnavailableError,
    isCrmAuthError,
} from '../../ports/crmErrors';

/** What the request was, for messages: e.g. `PATCH re_reservations(…)`. Never carries column values. */
export type RequestLabel = string;

/**
 * The typed error for a Web API response that is not a success. Dataverse's `error.code` (an HRESULT such as
 * `0x80060888`) and `error.message` are kept; the response body is otherwise not echoed.
 */
export async function faultFromResponse(response: Response, label: RequestLabel): Promise<Error> {
    return faultFromStatus(response, await readDataverseError(response), label);
}

export function faultFromStatus(response: Response, detail: DataverseErrorDetail, label: RequestLabel): Error {
    const { status } = response;
    const text = `${label} answered ${status}${detail.message ? `: ${detail.message}` : ''}`;
    if (status === 429) return new CrmThrottledError(text, retryAfterMs(response.headers.get('retry-after')));
    if (status === 401 || status === 403) return new CrmAuthError(text, status);
    if (status >= 500) return new CrmUnavailableError(text);
    return new CrmRequestError(text, status, detail.code);
}

/** The typed error for a request that got no response: timeout, refused connection, DNS, no token. */
export function faultFromThrown(e: unknown, label: RequestLabel, timeoutMs: number): Error {
    if (isCrmAuthError(e)) return e;
    const name = e instanceof Error ? e.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
        return new CrmUnavailableError(`${label} got no answer within ${timeoutMs} ms`, { cause: e });
    }
    const reason = e instanceof Error ? (causeMessage(e) ?? e.message) : String(e);
    return new CrmUnavailableError(`${label} failed: ${reason}`, { cause: e });
}

/** `Retry-After` is seconds from Dataverse; an HTTP date is accepted too. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
    if (header === null || header.trim() === '') return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
    const at = Date.parse(header);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface DataverseErrorDetail {
    code?: string;
    message?: string;
}

/** Dataverse's `{ error: { code, message } }`, or nothing when the body is not that (a gateway's HTML page). */
export async function readDataverseError(response: Response): Promise<DataverseErrorDetail> {
    let body: unknown;
    try {
        body = JSON.parse(await response.text());
    } catch {
        return {};
    }
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    return {
        ...(typeof error?.code === 'string' ? { code: error.code } : {}),
        ...(typeof error?.message === 'string' ? { message: error.message.slice(0, 300) } : {}),
    };
}

/** undici reports `fetch failed` and hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`. */
function causeMessage(e: Error): string | undefined {
    const cause = (e as { cause?: unknown }).cause;
    if (!(cause instanceof Error)) return undefined;
    const code = (cause as { code?: unknown }).code;
    return `${e.message} (${typeof code === 'string' ? code : cause.message})`;
}
