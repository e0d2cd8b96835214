import type { ErpFailureClassifier } from '../../core/erpFailureClassifier';
import type { ErpClient, ErpPosting, ErpPostOutcome, ErpRequest } from '../../ports/erpClient';

export interface ErpHttpClientOptions {
    baseUrl: string;
    /** An Entra ID access token for the ERP's scope (wired from @azure/identity in Azure). */
    getToken: () => Promise<string>;
    timeoutMs: number;
    classifier: ErpFailureClassifier;
}

/** Thrown by look-ups (not posts) when the ERP cannot answer; the processor retries the delivery. */
export class ErpUnavailableError extends Error {
    readonly code = 'ERP_UNAVAILABLE';
    constructor(message: string) {
        super(message);
        this.name = 'ErpUnavailableError';
    }
}

/** The ERP over our REST contract (docs/erp-contract.md): every write carries the transaction's Idempotency-Key. */
export class ErpHttpClient implements ErpClient {
    readonly #options: ErpHttpClientOptions;

    constructor(options: ErpHttpClientOptions) {
        this.#options = options;
    }

    async post(request: ErpRequest): Promise<ErpPostOutcome> {
        let response: Response;
        try {
            response = await this.#fetch(request.path, {
                method: request.method,
                headers: {
                    'content-type': 'application/json',
                    'idempotency-key': request.idempotencyKey,
                    'x-correlation-id': request.correlationId,
                },
                body: JSON.stringify(request.body),
            });
        } catch (e) {
            return { kind: 'failed', failure: this.#networkFailure(e) };
        }
        const body = await readBody(response);
        if (response.ok) {
            const postingId = (body as { postingId?: unknown } | undefined)?.postingId;
            if (typeof postingId !== 'string') {
                return {
                    kind: 'failed',
                    status: response.status,
                    failure: {
                        class: 'defect',
                        code: 'ERP_CONTRACT',
                        message: `ERP answered ${response.status} without a postingId`,
                        owner: 'integration',
                    },
                };
            }
            return { kind: 'posted', postingId, replayed: response.headers.get('idempotent-replayed') === 'true' };
        }
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        return {
            kind: 'failed',
            status: response.status,
            failure: this.#options.classifier({
                status: response.status,
                body,
                ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
            }),
        };
    }

    async findByIdempotencyKey(idempotencyKey: string): Promise<ErpPosting | undefined> {
        let response: Response;
        try {
            response = await this.#fetch(`/erp/v1/postings?idempotencyKey=${encodeURIComponent(idempotencyKey)}`, {
                method: 'GET',
            });
        } catch (e) {
            throw new ErpUnavailableError(this.#networkFailure(e).message);
        }
        if (!response.ok) throw new ErpUnavailableError(`ERP look-up answered ${response.status}`);
        const body = (await readBody(response)) as { postings?: ErpPosting[] } | undefined;
        return body?.postings?.[0];
    }

    async periodStatus(period: string): Promise<'open' | 'frozen' | 'closed'> {
        let response: Response;
        try {
            response = await this.#fetch(`/erp/v1/periods/${encodeURIComponent(period)}`, { method: 'GET' });
        } catch (e) {
            throw new ErpUnavailableError(this.#networkFailure(e).message);
        }
        const body = (await readBody(response)) as { status?: unknown } | undefined;
        if (!response.ok || (body?.status !== 'open' && body?.status !== 'frozen' && body?.status !== 'closed')) {
            throw new ErpUnavailableError(`ERP period look-up answered ${response.status}`);
        }
        return body.status;
    }

    async #fetch(path: string, init: RequestInit): Promise<Response> {
        const token = await this.#options.getToken();
        return fetch(new URL(path, this.#options.baseUrl), {
            ...init,
            headers: {
                ...(init.headers as Record<string, string> | undefined),
                authorization: `Bearer ${token}`,
                accept: 'application/json',
            },
            signal: AbortSignal.timeout(this.#options.timeoutMs),
        });
    }

    #networkFailure(e: unknown) {
        const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
        return {
            class: 'transient' as const,
            code: timedOut ? 'ERP_TIMEOUT' : 'ERP_UNREACHABLE',
            message: timedOut
                ? `ERP did not answer within ${this.#options.timeoutMs} ms`
                : `ERP unreachable: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`,
            owner: 'integration' as const,
        };
    }
}

async function readBody(response: Response): Promise<unknown> {
    const text = await response.text();
    if (!text) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
    if (!value) return undefined;
    if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
