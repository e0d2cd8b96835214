import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErpBooks, type PeriodStatus, type Resource } from './erpBooks';
import { type ErpFaultSettings, ErpFaults } from './erpFaults';

export interface SandboxErp {
    url: string;
    books: ErpBooks;
    faults: ErpFaults;
    /** Every request to /erp/v1, by status: the meter the benchmark compares with ours. */
    calls: { total: number; byStatus: Record<string, number> };
    close(): Promise<void>;
}

type JournalLine =
    | { kind: 'write'; resource: Resource; reference: string; key: string; body: Record<string, unknown>; at: string }
    | { kind: 'period'; period: string; status: PeriodStatus };

const writePath = /^\/erp\/v1\/(customers|reservations|instalments|receipts|commissions)\/([^/]+)$/;
const progressPath = /^\/erp\/v1\/construction-progress\/([^/]+)\/(\d{4}-\d{2})$/;
const unitPath = /^\/erp\/v1\/units\/([^/]+)\/status$/;

/**
 * A sandbox ERP on loopback implementing our ERP contract (docs/erp-contract.md) with the failure modes a real
 * one shows. With `dataFile`, every accepted write and period change is appended before the answer, so a
 * kill -9 loses nothing the sandbox acknowledged.
 */
export async function startSandboxErp(
    options: { port?: number; host?: string; dataFile?: string; seed?: number } = {},
): Promise<SandboxErp> {
    const books = new ErpBooks();
    const faults = new ErpFaults(options.seed ?? 1);
    const calls = { total: 0, byStatus: {} as Record<string, number> };
    const journal = (line: JournalLine) => {
        if (options.dataFile) appendFileSync(options.dataFile, `${JSON.stringify(line)}\n`);
    };
    if (options.dataFile && existsSync(options.dataFile)) {
        for (const text of readFileSync(options.dataFile, 'utf8').split('\n')) {
            if (!text.trim()) continue;
            let line: JournalLine;
            try {
                line = JSON.parse(text) as JournalLine;
            } catch {
                continue; // a torn last line from a crash mid-append
            }
            if (line.kind === 'period') books.periods.set(line.period, line.status);
            else books.apply(line.resource, line.reference, line.key, line.body, line.at);
        }
    }

    const server = createServer((req, res) => {
        route(req, res).catch((e: unknown) =>
            send(res, 500, { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) }),
        );
    });

    async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const url = new URL(req.url ?? '/', 'http://sandbox');
        const path = url.pathname;
        const method = req.method ?? 'GET';
        if (path.startsWith('/sandbox/')) return control(method, path, await readJson(req), res);
        if (!path.startsWith('/erp/v1/')) return send(res, 404, { code: 'NOT_FOUND', message: path });
        calls.total++;
        const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
            calls.byStatus[status] = (calls.byStatus[status] ?? 0) + 1;
            send(res, status, body, headers);
        };
        if (!/^Bearer \S+/.test(req.headers.authorization ?? ''))
            return answer(401, { code: 'UNAUTHORIZED', message: 'bearer token required' });
        if (faults.settings.latencyMs > 0) await sleep(faults.settings.latencyMs);
        const verdict = faults.judge(Date.now());
        if (verdict.kind === 'unavailable')
            return answer(503, { code: 'UNAVAILABLE', message: 'the ERP is unavailable' });
        if (verdict.kind === 'rateLimited') {
            return answer(
                429,
                { code: 'RATE_LIMITED', message: 'too many requests' },
                { 'retry-after': String(verdict.retryAfterSec) },
            );
        }

        if (method === 'GET') {
            if (path === '/erp/v1/postings') {
                const key = url.searchParams.get('idempotencyKey') ?? '';
                const p = books.findByKey(key);
                return answer(200, {
                    postings: p
                        ? [
                              {
                                  postingId: p.postingId,
                                  idempotencyKey: p.idempotencyKey,
                                  type: p.type,
                                  reference: p.reference,
                                  postedAt: p.receivedAt,
                              },
                          ]
                        : [],
                });
            }
            const period = /^\/erp\/v1\/periods\/(\d{4}-\d{2})$/.exec(path)?.[1];
            if (period) return answer(200, { period, status: books.periodStatus(period) });
            const reservation = /^\/erp\/v1\/reservations\/([^/]+)$/.exec(path)?.[1];
            if (reservation) {
                const number = decodeURIComponent(reservation);
                const held = books.reservation(number);
                if (!held) return answer(404, { code: 'NOT_FOUND', message: `no reservation ${number}` });
                const instalments = [...books.invoices.values()].filter((i) => i.reservationNumber === number);
                const allocations = books.allocations.filter((a) =>
                    instalments.some((i) => i.instalmentId === a.instalmentId),
                );
                return answer(200, { reservation: held, instalments, allocations });
            }
            return answer(404, { code: 'NOT_FOUND', message: path });
        }
        if (method !== 'PUT') return answer(405, { code: 'METHOD_NOT_ALLOWED', message: method });
        const key = req.headers['idempotency-key'];
        if (typeof key !== 'string' || key === '')
            return answer(400, {
                code: 'VALIDATION_FAILED',
                message: 'Idempotency-Key header required',
                details: { errors: [{ field: 'Idempotency-Key', reason: 'required' }] },
            });
        const target = resolveTarget(path);
        if (!target) return answer(404, { code: 'NOT_FOUND', message: path });
        const body = await readJson(req);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
            return answer(400, {
                code: 'VALIDATION_FAILED',
                message: 'body must be a JSON object',
                details: { errors: [] },
            });
        }
        const at = new Date().toISOString();
        const result = books.apply(target.resource, target.reference, key, body as Record<string, unknown>, at);
        if (result.status < 300 && !result.replayed) {
            journal({
                kind: 'write',
                resource: target.resource,
                reference: target.reference,
                key,
                body: body as Record<string, unknown>,
                at,
            });
        }
        return answer(result.status, result.body, result.replayed ? { 'idempotent-replayed': 'true' } : {});
    }

    function control(method: string, path: string, body: unknown, res: ServerResponse): void {
        if (path === '/sandbox/faults') {
            send(
                res,
                200,
                method === 'PUT' ? faults.update((body ?? {}) as Partial<ErpFaultSettings>) : faults.settings,
            );
            return;
        }
        const period = /^\/sandbox\/periods\/(\d{4}-\d{2})$/.exec(path)?.[1];
        if (period && method === 'PUT') {
            const status = (body as { status?: unknown } | null)?.status;
            if (status !== 'open' && status !== 'frozen' && status !== 'closed') {
                send(res, 400, { code: 'VALIDATION_FAILED', message: 'status must be open, frozen or closed' });
                return;
            }
            books.periods.set(period, status);
            journal({ kind: 'period', period, status });
            send(res, 200, { period, status });
            return;
        }
        if (path === '/sandbox/ledger') {
            send(res, 200, {
                calls: calls.total,
                callsByStatus: calls.byStatus,
                postings: books.postings,
                invoices: [...books.invoices.values()],
                allocations: books.allocations,
                cancelledPlans: books.cancelledPlans,
                payoutHolds: books.payoutHolds,
                periods: Object.fromEntries(books.periods),
            });
            return;
        }
        send(res, 404, { code: 'NOT_FOUND', message: path });
    }

    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${options.host ?? '127.0.0.1'}:${port}`,
        books,
        faults,
        calls,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

function resolveTarget(path: string): { resource: Resource; reference: string } | undefined {
    const write = writePath.exec(path);
    if (write?.[1] && write[2]) return { resource: write[1] as Resource, reference: decodeURIComponent(write[2]) };
    const progress = progressPath.exec(path);
    if (progress?.[1] && progress[2])
        return { resource: 'construction-progress', reference: `${decodeURIComponent(progress[1])}/${progress[2]}` };
    const unit = unitPath.exec(path);
    if (unit?.[1]) return { resource: 'units', reference: decodeURIComponent(unit[1]) };
    return undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (chunks.length === 0) return undefined;
    try {
        return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
        return null;
    }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
}
