import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxErp, startSandboxErp } from '../../../sandbox/erp/sandboxErpServer';
import { ErpHttpClient, ErpUnavailableError, parseRetryAfter } from '../../../src/adapters/erp-http/erpHttpClient';
import { loadConfigFile } from '../../../src/config/configFile';
import { createErpFailureClassifier, erpFailureRulesSchema } from '../../../src/core/erpFailureClassifier';
import type { FieldValue } from '../../../src/domain/transaction';
import type { ErpRequest } from '../../../src/ports/erpClient';

const classifier = createErpFailureClassifier(
    loadConfigFile('config/erp-failure-rules.v1.json', erpFailureRulesSchema),
);
let erp: SandboxErp;
let client: ErpHttpClient;
let keys = 0;

const clientFor = (baseUrl: string, timeoutMs = 5000, token = 'entra-token') =>
    new ErpHttpClient({ baseUrl, getToken: async () => token, timeoutMs, classifier });

/** A write as buildErpRequest makes it: the key is the transaction id, which the body names too. */
function put(path: string, body: Record<string, FieldValue>, idempotencyKey = `tx-${++keys}`): ErpRequest {
    const [resource = '', ...reference] = path
        .replace('/erp/v1/', '')
        .replace(/\/status$/, '')
        .split('/');
    return {
        method: 'PUT',
        path,
        target: { resource, reference: reference.map(decodeURIComponent).join('/') },
        idempotencyKey,
        correlationId: 'corr-1',
        body: { integrationReference: idempotencyKey, ...body },
    };
}

/** The fields a customer write needs besides its source and posting date (the sandbox validates the contract). */
const names = (customerRef: string) => ({ customerRef, firstName: 'Amira', lastName: 'Haddad' });

const control = (path: string, body: unknown) =>
    fetch(`${erp.url}${path}`, { method: 'PUT', body: JSON.stringify(body) });

beforeAll(async () => {
    erp = await startSandboxErp({ port: 0 });
    client = clientFor(erp.url);
    for (const request of [
        put('/erp/v1/customers/c-1', { sourceRecordId: 'src-c-1', postingDate: '2026-11-20', ...names('c-1') }),
        put('/erp/v1/reservations/RSV-1', {
            sourceRecordId: 'src-rsv-1',
            postingDate: '2026-11-20',
            reservationNumber: 'RSV-1',
            customerRef: 'c-1',
            unitCode: 'MARINA-T1-0904',
            buildingCode: 'MARINA-T1',
            costCentre: 'CC-410',
            value: 1_000_000,
            bookingAmount: 100_000,
            currency: 'AED',
            reservedOn: '2026-11-20',
            status: 'active',
        }),
        put('/erp/v1/construction-progress/MARINA-T1/2026-11', {
            sourceRecordId: 'src-progress',
            postingDate: '2026-11-20',
            buildingCode: 'MARINA-T1',
            period: '2026-11',
            percentComplete: 40,
            reportedOn: '2026-11-20',
        }),
    ]) {
        expect((await client.post(request)).kind).toBe('posted');
    }
});

afterEach(() => {
    // No faults and the keys profile again; the books stay (the tests share the seeded records).
    erp.faults.reset();
});

afterAll(async () => {
    await erp.close();
});

describe('ErpHttpClient.post against the sandbox ERP', () => {
    it('posts (201) and recognises a replay of the same Idempotency-Key', async () => {
        const request = put('/erp/v1/customers/c-new', {
            sourceRecordId: 'src-c-new',
            postingDate: '2026-11-20',
            ...names('c-new'),
        });
        const first = await client.post(request);
        const postingId = erp.books.findByKey(request.idempotencyKey)?.postingId;
        expect(postingId).toMatch(/^ERP-\d{7}$/);
        expect(first).toEqual({ kind: 'posted', postingId, replayed: false });
        expect(await client.post(request)).toEqual({ kind: 'posted', postingId, replayed: true });
    });

    it('turns a 409 DUPLICATE_REFERENCE into a duplicate for sales operations, with the holder as evidence', async () => {
        const outcome = await client.post(
            put('/erp/v1/customers/c-1', { sourceRecordId: 'src-other', postingDate: '2026-11-20', ...names('c-1') }),
        );
        expect(outcome).toEqual({
            kind: 'failed',
            status: 409,
            failure: {
                class: 'duplicate',
                code: 'ERP_DUPLICATE_REFERENCE',
                message: 'ERP answered 409 DUPLICATE_REFERENCE: c-1 already exists in the ERP',
                owner: 'salesOperations',
                details: { reference: 'c-1', existingPostingId: 'ERP-0000001', existingSourceRecordId: 'src-c-1' },
            },
        });
    });

    it('turns a frozen period into a block for finance, and reads the period status', async () => {
        await control('/sandbox/periods/2026-11', { status: 'frozen' });
        try {
            const outcome = await client.post(
                put('/erp/v1/customers/c-2', { sourceRecordId: 'src-c-2', postingDate: '2026-11-30', ...names('c-2') }),
            );
            expect(outcome).toEqual({
                kind: 'failed',
                status: 422,
                failure: {
                    class: 'blocked',
                    code: 'ERP_PERIOD_FROZEN',
                    message: 'ERP answered 422 PERIOD_FROZEN: accounting period 2026-11 is frozen',
                    owner: 'finance',
                    condition: 'period 2026-11 frozen',
                    details: { period: '2026-11' },
                },
            });
            expect(await client.periodStatus('2026-11')).toBe('frozen');
        } finally {
            await control('/sandbox/periods/2026-11', { status: 'open' });
        }
        expect(await client.periodStatus('2026-11')).toBe('open');
    });

    it('turns an unreached milestone into a block for the project team', async () => {
        const outcome = await client.post(
            put('/erp/v1/instalments/INS-9', {
                sourceRecordId: 'src-ins-9',
                postingDate: '2026-11-20',
                instalmentId: 'INS-9',
                reservationNumber: 'RSV-1',
                sequence: 1,
                dueDate: '2027-06-30',
                amount: 300_000,
                milestonePercent: 70,
            }),
        );
        expect(outcome.kind === 'failed' && outcome.failure).toMatchObject({
            class: 'blocked',
            code: 'ERP_MILESTONE_NOT_REACHED',
            owner: 'project',
            condition: 'MARINA-T1 below 70%',
            details: { buildingCode: 'MARINA-T1', requiredPercent: 70, currentPercent: 40 },
        });
    });

    it('turns a 429 into a transient failure carrying Retry-After in ms', async () => {
        await control('/sandbox/faults', { rateLimitPerSec: 1 });
        const request = () =>
            put('/erp/v1/customers/c-rl', { sourceRecordId: 'src-c-rl', postingDate: '2026-11-20', ...names('c-rl') });
        expect((await client.post(request())).kind).toBe('posted');
        expect(await client.post(request())).toEqual({
            kind: 'failed',
            status: 429,
            failure: {
                class: 'transient',
                code: 'ERP_RATE_LIMITED',
                message: 'ERP answered 429 RATE_LIMITED: too many requests',
                owner: 'integration',
                retryAfterMs: 1000,
            },
        });
    });

    it('turns a 503 into a transient failure', async () => {
        await control('/sandbox/faults', { down: true });
        expect(
            await client.post(
                put('/erp/v1/customers/c-3', { sourceRecordId: 's', postingDate: '2026-11-20', ...names('c-3') }),
            ),
        ).toEqual({
            kind: 'failed',
            status: 503,
            failure: {
                class: 'transient',
                code: 'ERP_UNAVAILABLE',
                message: 'ERP answered 503 UNAVAILABLE: the ERP is unavailable',
                owner: 'integration',
            },
        });
    });

    it('sends the token getToken gives: an empty one is refused (401, transient)', async () => {
        const outcome = await clientFor(erp.url, 5000, '').post(
            put('/erp/v1/customers/c-4', { sourceRecordId: 's', postingDate: '2026-11-20', ...names('c-4') }),
        );
        expect(outcome).toMatchObject({
            kind: 'failed',
            status: 401,
            failure: { class: 'transient', code: 'ERP_UNAUTHORIZED' },
        });
    });

    it('reports a timeout when the ERP answers later than timeoutMs', async () => {
        await control('/sandbox/faults', { latencyMs: 500 });
        const outcome = await clientFor(erp.url, 100).post(
            put('/erp/v1/customers/c-slow', { sourceRecordId: 's', postingDate: '2026-11-20', ...names('c-slow') }),
        );
        expect(outcome).toEqual({
            kind: 'failed',
            failure: {
                class: 'transient',
                code: 'ERP_TIMEOUT',
                message: 'ERP did not answer within 100 ms',
                owner: 'integration',
            },
        });
    });

    it('reports an ERP nobody listens for as unreachable', async () => {
        const gone = await startSandboxErp({ port: 0 });
        await gone.close();
        const outcome = await clientFor(gone.url).post(
            put('/erp/v1/customers/c-5', { sourceRecordId: 's', postingDate: '2026-11-20', ...names('c-5') }),
        );
        expect(outcome).toEqual({
            kind: 'failed',
            failure: {
                class: 'transient',
                code: 'ERP_UNREACHABLE',
                message: `ERP unreachable: connect ECONNREFUSED ${gone.url.replace('http://', '')}`,
                owner: 'integration',
            },
        });
    });

    it('treats a success without a postingId as a contract defect', async () => {
        // The sandbox's own control route answers 200 with no postingId: a stand-in for a misbehaving facade.
        const outcome = await client.post({ ...put('/sandbox/periods/2030-01', {}), body: { status: 'open' } });
        expect(outcome).toEqual({
            kind: 'failed',
            status: 200,
            failure: {
                class: 'defect',
                code: 'ERP_CONTRACT',
                message: 'ERP answered 200 without a postingId',
                owner: 'integration',
            },
        });
    });
});

describe('ErpHttpClient look-ups', () => {
    it('finds every posting of a record by its business reference, oldest first, and nothing for an unknown one', async () => {
        const create = put('/erp/v1/customers/c-find', {
            sourceRecordId: 'src-c-find',
            postingDate: '2026-11-20',
            ...names('c-find'),
        });
        const amend = put('/erp/v1/customers/c-find', {
            sourceRecordId: 'src-c-find',
            postingDate: '2026-11-21',
            ...names('c-find'),
            lastName: 'Haddad-Saleh',
        });
        for (const request of [create, amend]) expect((await client.post(request)).kind).toBe('posted');
        const found = await client.findPostings({ resource: 'customers', reference: 'c-find' });
        const ledger = erp.books.findByReference('customers', 'c-find');
        expect(found).toEqual(
            [create, amend].map((request, i) => ({
                postingId: ledger[0]?.postingId,
                type: 'customers',
                reference: 'c-find',
                integrationReference: request.idempotencyKey,
                idempotencyKey: request.idempotencyKey,
                postedAt: ledger[i]?.receivedAt,
            })),
        );
        expect(await client.findPostings({ resource: 'customers', reference: 'c-never-sent' })).toEqual([]);
    });

    it('finds by a reference that needs encoding (construction progress: building/period)', async () => {
        const [posting] = await client.findPostings({
            resource: 'construction-progress',
            reference: 'MARINA-T1/2026-11',
        });
        expect([posting?.type, posting?.reference]).toEqual(['construction-progress', 'MARINA-T1/2026-11']);
    });

    it('finds both postings of a write sent twice to an ERP that keeps no keys, without their keys', async () => {
        await control('/sandbox/faults', { idempotencyKeys: false });
        const request = put('/erp/v1/customers/c-twice', {
            sourceRecordId: 'src-c-twice',
            postingDate: '2026-11-20',
            ...names('c-twice'),
        });
        const first = await client.post(request);
        const second = await client.post(request);
        expect([first, second].map((o) => o.kind === 'posted' && o.replayed)).toEqual([false, false]);
        const found = await client.findPostings({ resource: 'customers', reference: 'c-twice' });
        expect(found.map((p) => [p.integrationReference, 'idempotencyKey' in p])).toEqual([
            [request.idempotencyKey, false],
            [request.idempotencyKey, false],
        ]);
    });

    it('throws ErpUnavailableError when the ERP cannot answer a look-up', async () => {
        await control('/sandbox/faults', { down: true });
        const error = await client.findPostings({ resource: 'customers', reference: 'c-1' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ErpUnavailableError);
        expect([(error as ErpUnavailableError).code, (error as Error).message]).toEqual([
            'ERP_UNAVAILABLE',
            'ERP look-up answered 503',
        ]);
        await expect(client.periodStatus('2026-11')).rejects.toThrow('ERP period look-up answered 503');
    });

    it('throws rather than answer "not posted" when the ERP answers postings it cannot be matched by', async () => {
        const odd = async (body: unknown) => {
            const server = createServer((_req, res) => {
                res.writeHead(200, { 'content-type': 'application/json' });
                res.end(JSON.stringify(body));
            });
            await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
            const { port } = server.address() as AddressInfo;
            try {
                return await clientFor(`http://127.0.0.1:${port}`)
                    .findPostings({ resource: 'customers', reference: 'c-1' })
                    .catch((e: unknown) => e);
            } finally {
                server.close();
            }
        };
        const missingReference = { postings: [{ postingId: 'ERP-1', type: 'customers', reference: 'c-1' }] };
        for (const body of [{}, missingReference]) expect(await odd(body)).toBeInstanceOf(ErpUnavailableError);
    });
});

describe('parseRetryAfter', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');

    it('reads delay-seconds', () => {
        expect([parseRetryAfter('1', now), parseRetryAfter('120', now), parseRetryAfter(' 2 ', now)]).toEqual([
            1000, 120_000, 2000,
        ]);
    });

    it('reads an HTTP-date as the time left until it, never negative', () => {
        expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
        expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    });

    it('ignores a missing or unreadable value', () => {
        expect([parseRetryAfter(null, now), parseRetryAfter('', now), parseRetryAfter('soon', now)]).toEqual([
            undefined,
            undefined,
            undefined,
        ]);
    });
});

describe('ErpHttpClient when the call cannot even be made or finished', () => {
    it('reports a token that cannot be had as a transient ERP_TOKEN_UNAVAILABLE, without calling the ERP', async () => {
        const callsBefore = erp.calls.total;
        const noToken = new ErpHttpClient({
            baseUrl: erp.url,
            getToken: async () => {
                throw new Error('managed identity endpoint unavailable');
            },
            timeoutMs: 5000,
            classifier,
        });
        expect(
            await noToken.post(
                put('/erp/v1/customers/c-6', { sourceRecordId: 's', postingDate: '2026-11-20', ...names('c-6') }),
            ),
        ).toEqual({
            kind: 'failed',
            failure: {
                class: 'transient',
                code: 'ERP_TOKEN_UNAVAILABLE',
                message: 'no access token for the ERP: managed identity endpoint unavailable',
                owner: 'integration',
            },
        });
        await expect(noToken.periodStatus('2026-11')).rejects.toBeInstanceOf(ErpUnavailableError);
        expect(erp.calls.total).toBe(callsBefore);
    });

    it('reports a write whose answer was lost as ERP_UNREACHABLE, though the ERP posted it', async () => {
        await control('/sandbox/faults', { loseAnswers: 1 });
        const request = put('/erp/v1/customers/c-lost', {
            sourceRecordId: 'src-c-lost',
            postingDate: '2026-11-20',
            ...names('c-lost'),
        });
        const outcome = await client.post(request);
        expect(outcome.kind === 'failed' && [outcome.failure.class, outcome.failure.code]).toEqual([
            'transient',
            'ERP_UNREACHABLE',
        ]);
        const found = await client.findPostings(request.target);
        expect(found.map((p) => p.integrationReference)).toEqual([request.idempotencyKey]);
    });

    it('reports a success whose body never arrives within timeoutMs as ERP_TIMEOUT, not as posted', async () => {
        const stalled = createServer((_req, res) => {
            res.writeHead(201, { 'content-type': 'application/json' });
            res.write('{"postingId":');
        });
        await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
        const { port } = stalled.address() as AddressInfo;
        try {
            const outcome = await clientFor(`http://127.0.0.1:${port}`, 150).post(
                put('/erp/v1/customers/c-7', { sourceRecordId: 's', postingDate: '2026-11-20', ...names('c-7') }),
            );
            expect(outcome).toEqual({
                kind: 'failed',
                failure: {
                    class: 'transient',
                    code: 'ERP_TIMEOUT',
                    message: 'ERP did not answer within 150 ms',
                    owner: 'integration',
                },
            });
        } finally {
            stalled.closeAllConnections();
            await new Promise<void>((resolve) => stalled.close(() => resolve()));
        }
    });
});
