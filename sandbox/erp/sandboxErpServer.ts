import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerErpCall, type HttpAnswer } from './erpApi';
import { ErpBooks } from './erpBooks';
import { ErpFaults } from './erpFaults';
import { ErpJournal } from './erpJournal';
import { CallCounter, type ErpLedger, ledgerOf } from './erpLedger';
import { answerSandboxCall, type ErpSandboxState } from './erpSandboxControl';

export interface SandboxErpOptions {
    /** 0 (the default) = an ephemeral port. */
    port?: number;
    host?: string;
    /** Append-only journal: accepted writes, period changes and resets, replayed on start. */
    dataFile?: string;
    /** Seed of the transient-error PRNG, so a run is repeatable. */
    seed?: number;
    /**
     * The profile: true (the default) = the ERP keeps Idempotency-Keys; false = it ignores them (a repeat posts
     * again; no look-up by key). Switchable at runtime through the fault settings; a reset returns to this.
     */
    idempotencyKeys?: boolean;
}

export interface SandboxErp {
    url: string;
    books: ErpBooks;
    faults: ErpFaults;
    /** Every request to the ERP API, by status, and when each arrived: the meter the benchmark compares with ours. */
    calls: CallCounter;
    /** A copy of the ground truth, as `GET /sandbox/ledger` answers it. */
    readonly ledger: ErpLedger;
    close(): Promise<void>;
}

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'malformed' };

/**
 * A sandbox ERP on loopback implementing our ERP contract (docs/erp-contract.md) with the failure modes a real
 * one shows. With `dataFile`, every accepted write and period change is appended before the answer, so a
 * kill -9 loses nothing the sandbox acknowledged.
 */
export async function startSandboxErp(options: SandboxErpOptions = {}): Promise<SandboxErp> {
    const state: ErpSandboxState = {
        books: new ErpBooks(),
        faults: new ErpFaults(options.seed ?? 1, { idempotencyKeys: options.idempotencyKeys ?? true }),
        calls: new CallCounter(),
        journal: new ErpJournal(options.dataFile),
    };
    for (const line of state.journal.replay()) {
        // Each write line was applied once when it was journaled (a replay is never journaled): apply it again
        // whatever the key, or a duplicate an ERP without keys accepted would vanish at restart.
        if (line.kind === 'write')
            state.books.apply(line.resource, line.reference, line.key, line.body, line.at, 'ignored');
        else if (line.kind === 'period') state.books.periods.set(line.period, line.status);
        else if (line.kind === 'holds') state.books.holdPayout(line.claims);
        else if (line.kind === 'remove') state.books.remove(line.resource, line.reference);
        else state.books.reset();
    }

    const server = createServer((req, res) => {
        handle(req, res, state).catch(() => {
            if (!res.headersSent) send(res, { status: 500, body: { code: 'INTERNAL', message: 'the sandbox failed' } });
        });
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        books: state.books,
        faults: state.faults,
        calls: state.calls,
        get ledger() {
            return ledgerOf(state.books, state.calls);
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ErpSandboxState): Promise<void> {
    // Stamped on arrival (its headers in, before the body and any configured latency), as the ERP's gateway logs it.
    const receivedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    // The whole request is in before any latency: a client that gives up still leaves the write to happen,
    // the ambiguous outcome a re-push must look up first.
    const body = await readBody(req);
    if (url.pathname.startsWith('/sandbox/')) {
        if (body.kind === 'malformed') return send(res, malformed);
        return send(res, answerSandboxCall(method, url.pathname, body.kind === 'json' ? body.value : undefined, state));
    }
    let answer: HttpAnswer;
    try {
        answer = await answerApiCall(req, method, url, body, state);
    } catch {
        answer = { status: 500, body: { code: 'INTERNAL', message: 'the ERP failed', details: {} } };
    }
    // Every call outside /sandbox is counted, rejected ones included: the ledger's `calls`.
    state.calls.count(answer.status, receivedAt);
    // A lost answer: the write is applied (and journaled), the caller only sees its connection cut.
    if (method === 'PUT' && answer.status < 300 && state.faults.loseAnswer()) {
        res.destroy();
        return;
    }
    send(res, answer);
}

async function answerApiCall(
    req: IncomingMessage,
    method: string,
    url: URL,
    body: Body,
    state: ErpSandboxState,
): Promise<HttpAnswer> {
    const { faults } = state;
    if (faults.settings.latencyMs > 0) await sleep(faults.settings.latencyMs);
    // An outage answers before anything else looks at the call, as a gateway in front of a dead ERP does.
    if (faults.settings.down) return unavailable;
    if (!url.pathname.startsWith('/erp/v1/'))
        return { status: 404, body: { code: 'NOT_FOUND', message: 'no such route in the ERP contract', details: {} } };
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
        return {
            status: 401,
            body: { code: 'UNAUTHORIZED', message: 'a bearer token is required', details: {} },
            headers: { 'www-authenticate': 'Bearer' },
        };
    }
    const verdict = faults.judge(Date.now());
    if (verdict.kind === 'unavailable') return unavailable;
    if (verdict.kind === 'rateLimited') {
        return {
            status: 429,
            body: { code: 'RATE_LIMITED', message: 'too many requests', details: {} },
            headers: { 'retry-after': String(verdict.retryAfterSec) },
        };
    }
    if (body.kind === 'malformed') return malformed;
    const key = req.headers['idempotency-key'];
    return answerErpCall(
        {
            method,
            path: url.pathname,
            query: url.searchParams,
            idempotencyKey: typeof key === 'string' && key !== '' ? key : undefined,
            body: body.kind === 'json' ? body.value : undefined,
            idempotencyKeys: faults.settings.idempotencyKeys,
        },
        state.books,
        state.journal,
    );
}

const unavailable: HttpAnswer = {
    status: 503,
    body: { code: 'UNAVAILABLE', message: 'the ERP is unavailable', details: {} },
};
const malformed: HttpAnswer = {
    status: 400,
    body: {
        code: 'VALIDATION_FAILED',
        message: 'the body is not JSON',
        details: { errors: [{ field: '(body)', reason: 'not JSON' }] },
    },
};

async function readBody(req: IncomingMessage): Promise<Body> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (chunks.length === 0) return { kind: 'none' };
    try {
        return { kind: 'json', value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    } catch {
        return { kind: 'malformed' };
    }
}

function send(res: ServerResponse, answer: HttpAnswer): void {
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
}
