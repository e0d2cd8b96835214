import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SandboxErp, startSandboxErp } from '../../../sandbox/erp/sandboxErpServer';

const started: SandboxErp[] = [];
async function start(dataFile?: string): Promise<SandboxErp> {
    const erp = await startSandboxErp({ port: 0, ...(dataFile ? { dataFile } : {}) });
    started.push(erp);
    return erp;
}
afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
});

const control = async (erp: SandboxErp, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${erp.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
};

const putCustomer = (erp: SandboxErp, ref: string, key: string) =>
    fetch(`${erp.url}/erp/v1/customers/${ref}`, {
        method: 'PUT',
        headers: { authorization: 'Bearer t', 'idempotency-key': key },
        body: JSON.stringify({
            sourceRecordId: `src-${ref}`,
            integrationReference: key,
            postingDate: '2026-11-20',
            customerRef: ref,
            firstName: 'Amira',
            lastName: 'Haddad',
        }),
    });

describe('POST /sandbox/reset', () => {
    it('empties the books, reopens periods, clears faults and counts, and stays reset after a restart', async () => {
        const dataFile = join(mkdtempSync(join(tmpdir(), 'erp-reset-')), 'erp.jsonl');
        const erp = await start(dataFile);
        await putCustomer(erp, 'c-1', 'k-1');
        await control(erp, 'PUT', '/sandbox/periods/2026-11', { status: 'frozen' });
        await control(erp, 'PUT', '/sandbox/faults', { latencyMs: 5, transientErrorRate: 0.2 });

        expect(await control(erp, 'POST', '/sandbox/reset')).toEqual({ status: 200, body: { reset: true } });
        const empty = {
            calls: 0,
            callsByStatus: {},
            peakCallsPerSec: 0,
            postings: [],
            invoices: [],
            allocations: [],
            cancelledPlans: [],
            payoutHolds: [],
            periods: {},
        };
        expect((await control(erp, 'GET', '/sandbox/ledger')).body).toEqual(empty);
        expect((await control(erp, 'GET', '/sandbox/faults')).body).toEqual({
            latencyMs: 0,
            transientErrorRate: 0,
            rateLimitPerSec: 0,
            down: false,
            loseAnswers: 0,
            idempotencyKeys: true,
        });
        // The key is free again: the same write is a new posting, not a replay.
        expect((await putCustomer(erp, 'c-1', 'k-1')).headers.get('idempotent-replayed')).toBeNull();
        await erp.close();

        const restarted = await start(dataFile);
        expect(restarted.books.postings.map((p) => [p.seq, p.reference])).toEqual([[1, 'c-1']]);
        expect(restarted.books.periodStatus('2026-11')).toBe('open');
        expect(
            readFileSync(dataFile, 'utf8')
                .trim()
                .split('\n')
                .map((l) => (JSON.parse(l) as { kind: string }).kind),
        ).toEqual(['write', 'period', 'reset', 'write']);
    });
});

describe('PUT /sandbox/faults', () => {
    it('refuses a setting out of range, naming it, and keeps the settings it had', async () => {
        const erp = await start();
        await control(erp, 'PUT', '/sandbox/faults', { latencyMs: 7 });
        const bad = await control(erp, 'PUT', '/sandbox/faults', { transientErrorRate: 2, down: 'yes' });
        expect(bad).toMatchObject({
            status: 400,
            body: {
                code: 'VALIDATION_FAILED',
                details: {
                    errors: [
                        { field: 'transientErrorRate', reason: 'Too big: expected number to be <=1' },
                        { field: 'down', reason: 'Invalid input: expected boolean, received string' },
                    ],
                },
            },
        });
        expect(erp.faults.settings).toEqual({
            latencyMs: 7,
            transientErrorRate: 0,
            rateLimitPerSec: 0,
            down: false,
            loseAnswers: 0,
            idempotencyKeys: true,
        });
    });
});

describe('the ledger', () => {
    it('is the same on the handle as over HTTP, and a copy that cannot change the books', async () => {
        const erp = await start();
        await putCustomer(erp, 'c-9', 'k-9');
        const overHttp = (await control(erp, 'GET', '/sandbox/ledger')).body;
        const ledger = erp.ledger;
        expect(ledger).toEqual(overHttp);
        expect([ledger.calls, ledger.postings.map((p) => p.reference)]).toEqual([1, ['c-9']]);
        ledger.postings.length = 0;
        expect(erp.books.postings).toHaveLength(1);
    });

    it('answers 404 for an unknown sandbox route', async () => {
        const erp = await start();
        expect(await control(erp, 'GET', '/sandbox/nothing')).toEqual({
            status: 404,
            body: { code: 'NOT_FOUND', message: 'no such sandbox route', details: {} },
        });
    });
});
