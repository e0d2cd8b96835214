import type { ErpFailureClassifier } from '../../core/erpFailureClassifier';
import type { Failure } from '../../domain/failure';
import type { ErpClient, ErpPosting, ErpPostOutcome, ErpRequest, ErpTarget } from '../../ports/erpClient';

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
        let token: string;
        try {
            token = await this.#options.getToken();
        } catch (e) {
            return { kind: 'failed', failure: tokenFailure(e) };
        }
        let response: Response;
        let body: unknown;
        try {
            response = await this.#fetch(request.path, token, {
                method: request.method,
                headers: {
                    'content-type': 'application/json',
                    'idempotency-key': request.idempotencyKey,
                    'x-correlation-id': request.correlationId,
                },
                body: JSON.stringify(request.body),
            });
            // The timeout covers the body too: a 201 whose body never arrives is an unknown outcome, not a success.
            body = await readBody(response);
        } catch (e) {
            return { kind: 'failed', failure: this.#networkFailure(e) };
        }
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

    async findPostings(target: ErpTarget): Promise<ErpPosting[]> {
        const query = new URLSearchParams({ type: target.resource, reference: target.reference });
        const { response, body } = await this.#read(`/erp/v1/postings?${query}`);
        if (!response.ok) throw new ErpUnavailableError(`ERP look-up answered ${response.status}`);
        const postings = (body as { postings?: unknown } | undefined)?.postings;
        if (!Array.isArray(postings)) throw new ErpUnavailableError('ERP look-up answered without a postings list');
        // A posting we cannot match to a transaction would let a re-push through: the answer is unusable, not empty.
        for (const p of postings as Array<Partial<ErpPosting> | null>) {
            if (typeof p?.postingId !== 'string' || typeof p.integrationReference !== 'string')
                throw new ErpUnavailableError(
                    'ERP look-up answered a posting without a postingId or integrationReference',
                );
        }
        return postings as ErpPosting[];
    }

    async periodStatus(period: string): Promise<'open' | 'frozen' | 'closed'> {
        const { response, body } = await this.#read(`/erp/v1/periods/${encodeURIComponent(period)}`);
        const status = (body as { status?: unknown } | undefined)?.status;
        if (!response.ok || (status !== 'open' && status !== 'frozen' && status !== 'closed')) {
            throw new ErpUnavailableError(`ERP period look-up answered ${response.status}`);
        }
        return status;
    }

    /** A GET whose every way of failing to answer (no token, network, timeout) is an ErpUnavailableError. */
    async #read(path: string): Promise<{ response: Response; body: unknown }> {
        try {
            const token = await this.#options.getToken();
            const response = await this.#fetch(path, token, { method: 'GET' });
            return { response, body: await readBody(response) };
        } catch (e) {
            throw new ErpUnavailableError(this.#networkFailure(e).message);
        }
    }

    async #fetch(path: string, token: string, init: RequestInit): Promise<Response> {
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

    #networkFailure(e: unknown): Failure {
        const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
        return {
            class: 'transient',
            code: timedOut ? 'ERP_TIMEOUT' : 'ERP_UNREACHABLE',
            message: timedOut
                ? `ERP did not answer within ${this.#options.timeoutMs} ms`
                : `ERP unreachable: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`,
            owner: 'integration',
        };
    }
}

/** No token, no call: usually a transient identity outage, retried like one. The cause names no person. */
function tokenFailure(e: unknown): Failure {
    return {
        class: 'transient',
        code: 'ERP_TOKEN_UNAVAILABLE',
        message: `no access token for the ERP: ${e instanceof Error ? e.message.slice(0, 200) : String(e)}`,
        owner: 'integration',
    };
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
