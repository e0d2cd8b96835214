import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErpFaults } from '../../../sandbox/erp/erpFaults';
import { type SandboxErp, startSandboxErp } from '../../../sandbox/erp/sandboxErpServer';

const started: SandboxErp[] = [];
let erp: SandboxErp;
let keys = 0;
const key = () => `tx-${++keys}`;
const postingDate = '2026-11-20';

async function start(options: { dataFile?: string; idempotencyKeys?: boolean } = {}): Promise<SandboxErp> {
    const sandbox = await startSandboxErp({ port: 0, ...options });
    started.push(sandbox);
    return sandbox;
}

interface CallOptions {
    body?: unknown;
    raw?: string;
    key?: string | null;
    token?: string | null;
    timeoutMs?: number;
}

/** A write names its transaction as our integration's do: integrationReference is the key, unless the test sets it. */
async function call(base: string, method: string, path: string, options: CallOptions = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? 'entra-token'}`;
    const transaction = options.key ?? key();
    if (method === 'PUT' && options.key !== null) headers['idempotency-key'] = transaction;
    const named =
        method === 'PUT' && isRecord(options.body) && !('integrationReference' in options.body)
            ? { integrationReference: transaction, ...options.body }
            : options.body;
    const body = options.raw ?? (named === undefined ? undefined : JSON.stringify(named));
    const response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);

async function control(base: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const customer = (ref: string) => ({
    sourceRecordId: `src-${ref}`,
    postingDate,
    customerRef: ref,
    firstName: 'Amira',
    lastName: 'Haddad',
});
const reservation = (number: string, customerRef: string, extra: Record<string, unknown> = {}) => ({
    sourceRecordId: `src-${number}`,
    postingDate,
    reservationNumber: number,
    customerRef,
    unitCode: `unit-${number}`,
    buildingCode: 'MARINA-T1',
    costCentre: 'CC-410',
    value: 1_000_000,
    bookingAmount: 100_000,
    currency: 'AED',
    reservedOn: postingDate,
    status: 'active',
    ...extra,
});
const instalment = (id: string, reservationNumber: string, dueDate: string, amount: number) => ({
    sourceRecordId: `src-${id}`,
    postingDate,
    instalmentId: id,
    reservationNumber,
    sequence: 1,
    dueDate,
    amount,
});
const receipt = (number: string, reservationNumber: string, amount: number) => ({
    sourceRecordId: `src-${number}`,
    postingDate,
    receiptNumber: number,
    reservationNumber,
    amount,
    receivedOn: postingDate,
    method: 'bankTransfer',
});
const commission = (claim: string, reservationNumber: string, sharePercent: number) => ({
    sourceRecordId: `src-${claim}`,
    postingDate,
    claimNumber: claim,
    reservationNumber,
    vendorId: 'V-7001',
    sharePercent,
    amount: 10_000,
});

/** A customer and a reservation for it, so receipts and instalments have something to hang on. */
async function sale(base: string, number: string): Promise<void> {
    const customerRef = `c-${number}`;
    const customerPath = `/erp/v1/customers/${encodeURIComponent(customerRef)}`;
    expect((await call(base, 'PUT', customerPath, { body: customer(customerRef) })).status).toBe(201);
    const path = `/erp/v1/reservations/${encodeURIComponent(number)}`;
    expect((await call(base, 'PUT', path, { body: reservation(number, customerRef) })).status).toBe(201);
}

beforeAll(async () => {
    erp = await start();
});

afterEach(async () => {
    await control(erp.url, 'PUT', '/sandbox/faults', {
        latencyMs: 0,
        transientErrorRate: 0,
        rateLimitPerSec: 0,
        down: false,
    });
});

afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
});

describe('the contract over HTTP', () => {
    it('answers 401 with WWW-Authenticate without a bearer token', async () => {
        for (const token of [null, '']) {
            const answer = await call(erp.url, 'PUT', '/erp/v1/customers/c-401', { body: customer('c-401'), token });
            expect([answer.status, answer.headers.get('www-authenticate'), answer.body]).toEqual([
                401,
                'Bearer',
                { code: 'UNAUTHORIZED', message: 'a bearer token is required', details: {} },
            ]);
        }
        expect(erp.books.held('customers', 'c-401')).toBeUndefined();
    });

    it('requires an Idempotency-Key on a write', async () => {
        const missing = await call(erp.url, 'PUT', '/erp/v1/customers/c-400', { body: customer('c-400'), key: null });
        expect([missing.status, missing.body]).toEqual([
            400,
            {
                code: 'VALIDATION_FAILED',
                message: 'the Idempotency-Key header is required',
                details: { errors: [{ field: 'Idempotency-Key', reason: 'required' }] },
            },
        ]);
        expect(erp.books.held('customers', 'c-400')).toBeUndefined();
    });

    it('answers a replay with the first answer and Idempotent-Replayed: true, posting nothing again', async () => {
        const put = () =>
            call(erp.url, 'PUT', '/erp/v1/customers/c-replay', { body: customer('c-replay'), key: 'tx-replay' });
        const first = await put();
        const again = await put();
        expect([first.status, first.headers.get('idempotent-replayed')]).toEqual([201, null]);
        expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([201, 'true', first.body]);
        expect(erp.books.postings.filter((p) => p.reference === 'c-replay')).toHaveLength(1);
    });

    it('validates the body against the published schema and names every bad field', async () => {
        const { currency: _, ...withoutCurrency } = reservation('RSV-BAD', 'c-x');
        const answer = await call(erp.url, 'PUT', '/erp/v1/reservations/RSV-BAD', {
            body: { ...withoutCurrency, value: '1000', reservedOn: '2026-02-30', status: 'pending' },
        });
        expect([answer.status, answer.body]).toEqual([
            400,
            {
                code: 'VALIDATION_FAILED',
                message: 'the request is invalid',
                details: {
                    errors: [
                        { field: 'currency', reason: 'required' },
                        { field: 'value', reason: 'must be a number' },
                        { field: 'reservedOn', reason: 'must be a date, YYYY-MM-DD' },
                        { field: 'status', reason: 'must be one of active, contracted, cancelled' },
                    ],
                },
            },
        ]);
    });

    it('refuses a body whose reference differs from the path', async () => {
        const answer = await call(erp.url, 'PUT', '/erp/v1/customers/c-path', { body: customer('c-other') });
        expect([answer.status, answer.body]).toEqual([
            400,
            {
                code: 'VALIDATION_FAILED',
                message: 'the request is invalid',
                details: { errors: [{ field: 'customerRef', reason: 'must equal the customerRef in the path' }] },
            },
        ]);
    });

    it('refuses a body that is not JSON or not an object, an unknown route and an unserved method', async () => {
        const notJson = await call(erp.url, 'PUT', '/erp/v1/customers/c-1', { raw: '{"customerRef":' });
        expect([notJson.status, notJson.body]).toEqual([
            400,
            {
                code: 'VALIDATION_FAILED',
                message: 'the body is not JSON',
                details: { errors: [{ field: '(body)', reason: 'not JSON' }] },
            },
        ]);
        const array = await call(erp.url, 'PUT', '/erp/v1/customers/c-1', { body: [1] });
        expect(array.body).toMatchObject({ details: { errors: [{ field: '(body)', reason: 'must be an object' }] } });
        const unknown = await call(erp.url, 'PUT', '/erp/v1/suppliers/s-1', { body: {} });
        expect([unknown.status, unknown.body]).toEqual([
            404,
            { code: 'NOT_FOUND', message: 'no such route in the ERP contract', details: {} },
        ]);
        const post = await call(erp.url, 'POST', '/erp/v1/reservations/RSV-1', { body: {} });
        expect([post.status, post.headers.get('allow'), post.body]).toEqual([
            405,
            'PUT, GET',
            { code: 'METHOD_NOT_ALLOWED', message: 'use PUT or GET', details: {} },
        ]);
    });

    it('finds a posting by its idempotency key, nothing for an unknown key, and needs the key', async () => {
        await call(erp.url, 'PUT', '/erp/v1/customers/c-find', { body: customer('c-find'), key: 'tx-find/1' });
        const posting = erp.books.findByKey('tx-find/1');
        const found = await call(erp.url, 'GET', `/erp/v1/postings?idempotencyKey=${encodeURIComponent('tx-find/1')}`);
        expect(found.body).toEqual({
            postings: [
                {
                    postingId: posting?.postingId,
                    type: 'customers',
                    reference: 'c-find',
                    integrationReference: 'tx-find/1',
                    idempotencyKey: 'tx-find/1',
                    postedAt: posting?.receivedAt,
                },
            ],
        });
        expect((await call(erp.url, 'GET', '/erp/v1/postings?idempotencyKey=nope')).body).toEqual({ postings: [] });
        const missing = await call(erp.url, 'GET', '/erp/v1/postings');
        expect([missing.status, missing.body]).toEqual([
            400,
            {
                code: 'VALIDATION_FAILED',
                message: 'give type and reference (or idempotencyKey)',
                details: {
                    errors: [
                        {
                            field: 'type',
                            reason: 'required, one of customers, reservations, instalments, receipts, commissions, construction-progress, units',
                        },
                        { field: 'reference', reason: 'required' },
                    ],
                },
            },
        ]);
        const both = await call(erp.url, 'GET', '/erp/v1/postings?idempotencyKey=k&type=customers&reference=c-find');
        expect([both.status, (both.body as { code: string }).code]).toEqual([400, 'VALIDATION_FAILED']);
        const unknownType = await call(erp.url, 'GET', '/erp/v1/postings?type=suppliers&reference=s-1');
        expect([unknownType.status, (unknownType.body as { details: unknown }).details]).toMatchObject([
            400,
            { errors: [{ field: 'type' }] },
        ]);
    });

    it('finds every posting of a record by type and reference, oldest first, amendments included', async () => {
        await call(erp.url, 'PUT', '/erp/v1/customers/c%2Fref', { body: customer('c/ref'), key: 'tx-ref-1' });
        await call(erp.url, 'PUT', '/erp/v1/customers/c%2Fref', {
            body: { ...customer('c/ref'), lastName: 'Saleh' },
            key: 'tx-ref-2',
        });
        const found = await call(
            erp.url,
            'GET',
            `/erp/v1/postings?type=customers&reference=${encodeURIComponent('c/ref')}`,
        );
        const ledger = erp.books.findByReference('customers', 'c/ref');
        expect(found.body).toEqual({
            postings: ledger.map((p) => ({
                postingId: p.postingId,
                type: 'customers',
                reference: 'c/ref',
                integrationReference: p.integrationReference,
                idempotencyKey: p.idempotencyKey,
                postedAt: p.receivedAt,
            })),
        });
        expect(ledger.map((p) => p.integrationReference)).toEqual(['tx-ref-1', 'tx-ref-2']);
        const none = await call(erp.url, 'GET', '/erp/v1/postings?type=customers&reference=c-none');
        expect(none.body).toEqual({ postings: [] });
    });

    it('refuses a write that does not name its transaction (integrationReference)', async () => {
        const unnamed = await call(erp.url, 'PUT', '/erp/v1/customers/c-unnamed', {
            body: { ...customer('c-unnamed'), integrationReference: undefined },
        });
        expect([unnamed.status, (unnamed.body as { details: unknown }).details]).toEqual([
            400,
            { errors: [{ field: 'integrationReference', reason: 'required' }] },
        ]);
        expect(erp.books.held('customers', 'c-unnamed')).toBeUndefined();
    });

    it('serves a reservation with its plan oldest due first, every allocation and what is on account', async () => {
        await sale(erp.url, 'RSV/READ');
        for (const [id, due] of [
            ['INS-R2', '2027-01-01'],
            ['INS-R1', '2026-12-01'],
        ] as const) {
            await call(erp.url, 'PUT', `/erp/v1/instalments/${id}`, { body: instalment(id, 'RSV/READ', due, 100) });
        }
        await call(erp.url, 'PUT', '/erp/v1/receipts/RCT-R1', { body: receipt('RCT-R1', 'RSV/READ', 260.5) });
        const read = await call(erp.url, 'GET', '/erp/v1/reservations/RSV%2FREAD');
        const invoice = (instalmentId: string, dueDate: string) => ({
            instalmentId,
            reservationNumber: 'RSV/READ',
            dueDate,
            amount: 100,
            outstanding: 0,
            status: 'paid',
        });
        expect([read.status, read.body]).toEqual([
            200,
            {
                reservationNumber: 'RSV/READ',
                postingId: erp.books.held('reservations', 'RSV/READ')?.postingId,
                sourceRecordId: 'src-RSV/READ',
                status: 'active',
                customerRef: 'c-RSV/READ',
                unitCode: 'unit-RSV/READ',
                buildingCode: 'MARINA-T1',
                value: 1_000_000,
                currency: 'AED',
                instalments: [invoice('INS-R1', '2026-12-01'), invoice('INS-R2', '2027-01-01')],
                allocations: [
                    { receiptNumber: 'RCT-R1', instalmentId: 'INS-R1', amount: 100 },
                    { receiptNumber: 'RCT-R1', instalmentId: 'INS-R2', amount: 100 },
                    { receiptNumber: 'RCT-R1', instalmentId: null, amount: 60.5 },
                ],
                onAccount: 60.5,
            },
        ]);
        const unknown = await call(erp.url, 'GET', '/erp/v1/reservations/RSV-NONE');
        expect([unknown.status, unknown.body]).toEqual([
            404,
            { code: 'NOT_FOUND', message: 'no reservation RSV-NONE', details: { reference: 'RSV-NONE' } },
        ]);
    });
});

describe('periods', () => {
    it('freezes, closes and reopens a period through the control route, and the ERP enforces it', async () => {
        expect(await control(erp.url, 'PUT', '/sandbox/periods/2031-03', { status: 'frozen' })).toEqual({
            status: 200,
            body: { period: '2031-03', status: 'frozen' },
        });
        expect((await call(erp.url, 'GET', '/erp/v1/periods/2031-03')).body).toEqual({
            period: '2031-03',
            status: 'frozen',
        });
        const put = () =>
            call(erp.url, 'PUT', '/erp/v1/customers/c-period', {
                body: { ...customer('c-period'), postingDate: '2031-03-31' },
                key: 'tx-period',
            });
        const frozen = await put();
        expect([frozen.status, frozen.body]).toEqual([
            422,
            { code: 'PERIOD_FROZEN', message: 'accounting period 2031-03 is frozen', details: { period: '2031-03' } },
        ]);
        await control(erp.url, 'PUT', '/sandbox/periods/2031-03', { status: 'closed' });
        expect((await put()).body).toEqual({
            code: 'PERIOD_CLOSED',
            message: 'accounting period 2031-03 is closed',
            details: { period: '2031-03' },
        });
        await control(erp.url, 'PUT', '/sandbox/periods/2031-03', { status: 'open' });
        expect((await put()).status).toBe(201);
    });

    it('reports an untouched period as open and refuses a malformed one or an unknown status', async () => {
        expect((await call(erp.url, 'GET', '/erp/v1/periods/2040-01')).body).toEqual({
            period: '2040-01',
            status: 'open',
        });
        const badPeriod = await call(erp.url, 'GET', '/erp/v1/periods/2040-13');
        expect([badPeriod.status, badPeriod.body]).toEqual([
            400,
            {
                code: 'VALIDATION_FAILED',
                message: 'the period must be YYYY-MM',
                details: { errors: [{ field: 'period', reason: 'must be YYYY-MM' }] },
            },
        ]);
        const badStatus = await control(erp.url, 'PUT', '/sandbox/periods/2040-01', { status: 'locked' });
        expect([badStatus.status, badStatus.body.code]).toEqual([400, 'VALIDATION_FAILED']);
        expect((badStatus.body.details as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual([
            'status',
        ]);
        expect(erp.books.periodStatus('2040-01')).toBe('open');
    });
});

describe('faults', () => {
    it('answers 503 to every call while down, even before looking at the token', async () => {
        expect(await control(erp.url, 'PUT', '/sandbox/faults', { down: true })).toEqual({
            status: 200,
            body: {
                latencyMs: 0,
                transientErrorRate: 0,
                rateLimitPerSec: 0,
                down: true,
                loseAnswers: 0,
                idempotencyKeys: true,
            },
        });
        const answers = await Promise.all([
            call(erp.url, 'PUT', '/erp/v1/customers/c-down', { body: customer('c-down') }),
            call(erp.url, 'GET', '/erp/v1/periods/2026-11', { token: null }),
        ]);
        const unavailable = { code: 'UNAVAILABLE', message: 'the ERP is unavailable', details: {} };
        expect(answers.map((a) => [a.status, a.body])).toEqual([
            [503, unavailable],
            [503, unavailable],
        ]);
        expect(erp.books.held('customers', 'c-down')).toBeUndefined();
    });

    it('answers 429 with Retry-After: 1 above the rate limit', async () => {
        await control(erp.url, 'PUT', '/sandbox/faults', { rateLimitPerSec: 2 });
        const answers = [];
        for (let i = 0; i < 3; i++) answers.push(await call(erp.url, 'GET', '/erp/v1/periods/2026-11'));
        expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
        expect([answers[2]?.headers.get('retry-after'), answers[2]?.body]).toEqual([
            '1',
            { code: 'RATE_LIMITED', message: 'too many requests', details: {} },
        ]);
    });

    it('logs when each call arrived, rate-limited ones included, for the busiest second', async () => {
        const own = await start();
        await control(own.url, 'PUT', '/sandbox/faults', { rateLimitPerSec: 2 });
        const answers = await Promise.all(
            Array.from({ length: 5 }, () => call(own.url, 'GET', '/erp/v1/periods/2026-11')),
        );
        expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429, 429, 429]);
        expect(own.calls.arrivals).toHaveLength(5);
        expect(own.calls.peakIn(1000)).toBe(5);
        expect((await control(own.url, 'GET', '/sandbox/ledger')).body).toMatchObject({ peakCallsPerSec: 5 });
    });

    it('answers 503 at the configured transient error rate', async () => {
        await control(erp.url, 'PUT', '/sandbox/faults', { transientErrorRate: 1 });
        const answer = await call(erp.url, 'PUT', '/erp/v1/customers/c-flaky', { body: customer('c-flaky') });
        expect([answer.status, answer.body]).toEqual([
            503,
            { code: 'UNAVAILABLE', message: 'the ERP is unavailable', details: {} },
        ]);
    });

    it('delays answers by latencyMs, which a shorter client timeout observes, and still applies the write', async () => {
        await control(erp.url, 'PUT', '/sandbox/faults', { latencyMs: 400 });
        const error = await call(erp.url, 'PUT', '/erp/v1/customers/c-slow', {
            body: customer('c-slow'),
            key: 'tx-slow',
            timeoutMs: 50,
        }).catch((e: unknown) => e);
        expect((error as Error).name).toBe('TimeoutError');
        // The patient look-up outlasts the latency, so by then the abandoned write has been applied.
        const lookUp = await call(erp.url, 'GET', '/erp/v1/postings?idempotencyKey=tx-slow', { timeoutMs: 20_000 });
        expect((lookUp.body as { postings: Array<{ reference: string }> }).postings.map((p) => p.reference)).toEqual([
            'c-slow',
        ]);
    });

    it('serves the current settings on GET and refuses an out-of-range or unknown setting', async () => {
        await control(erp.url, 'PUT', '/sandbox/faults', { latencyMs: 5 });
        expect(await control(erp.url, 'GET', '/sandbox/faults')).toEqual({
            status: 200,
            body: {
                latencyMs: 5,
                transientErrorRate: 0,
                rateLimitPerSec: 0,
                down: false,
                loseAnswers: 0,
                idempotencyKeys: true,
            },
        });
        for (const bad of [{ transientErrorRate: 2 }, { slow: true }, { loseAnswers: -1 }, { idempotencyKeys: 'no' }]) {
            expect((await control(erp.url, 'PUT', '/sandbox/faults', bad)).status).toBe(400);
        }
        expect(erp.faults.settings.latencyMs).toBe(5);
    });
});

describe('the ledger', () => {
    it('holds every accepted posting once and counts every call outside /sandbox by status', async () => {
        const own = await start();
        await call(own.url, 'PUT', '/erp/v1/customers/c-1', { body: customer('c-1'), token: null });
        await call(own.url, 'PUT', '/erp/v1/customers/c-1', { body: customer('c-1'), key: 'tx-l1' });
        await call(own.url, 'PUT', '/erp/v1/customers/c-1', { body: customer('c-1'), key: 'tx-l1' });
        await call(own.url, 'PUT', '/erp/v1/reservations/RSV-9', { body: reservation('RSV-9', 'c-9') });
        await call(own.url, 'GET', '/erp/v1/periods/2026-11');
        await fetch(`${own.url}/elsewhere`);
        await control(own.url, 'PUT', '/sandbox/periods/2026-12', { status: 'frozen' });
        const ledger = await control(own.url, 'GET', '/sandbox/ledger');
        const byStatus = { '200': 1, '201': 2, '401': 1, '404': 1, '422': 1 };
        expect(ledger.body).toEqual({
            calls: 6,
            callsByStatus: byStatus,
            peakCallsPerSec: expect.any(Number),
            postings: [
                {
                    seq: 1,
                    postingId: 'ERP-0000001',
                    idempotencyKey: 'tx-l1',
                    integrationReference: 'tx-l1',
                    type: 'customers',
                    reference: 'c-1',
                    sourceRecordId: 'src-c-1',
                    receivedAt: own.books.postings[0]?.receivedAt,
                    body: { integrationReference: 'tx-l1', ...customer('c-1') },
                },
            ],
            invoices: [],
            allocations: [],
            cancelledPlans: [],
            payoutHolds: [],
            periods: { '2026-12': 'frozen' },
        });
        expect([own.calls.total, own.calls.byStatus]).toEqual([6, byStatus]);
        // The in-process ledger is the same, and a copy.
        const copy = own.ledger;
        expect(copy).toEqual(ledger.body);
        copy.postings.length = 0;
        expect(own.ledger.postings).toHaveLength(1);
    });

    it('starts over on POST /sandbox/reset: empty books, no faults, no calls', async () => {
        const own = await start();
        await call(own.url, 'PUT', '/erp/v1/customers/c-1', { body: customer('c-1') });
        await control(own.url, 'PUT', '/sandbox/periods/2026-12', { status: 'closed' });
        await control(own.url, 'PUT', '/sandbox/faults', { latencyMs: 5 });
        expect(await control(own.url, 'POST', '/sandbox/reset')).toEqual({ status: 200, body: { reset: true } });
        expect(own.ledger).toEqual({
            calls: 0,
            callsByStatus: {},
            peakCallsPerSec: 0,
            postings: [],
            invoices: [],
            allocations: [],
            cancelledPlans: [],
            payoutHolds: [],
            periods: {},
        });
        // The settings it started with (erpSandboxControl.test.ts spells them out).
        expect(own.faults.settings).toEqual(new ErpFaults().settings);
        expect((await control(own.url, 'GET', '/sandbox/nothing')).status).toBe(404);
    });
});

describe('persistence in dataFile', () => {
    const dataFileIn = () => join(mkdtempSync(join(tmpdir(), 'sandbox-erp-')), 'erp.jsonl');

    async function writeSome(sandbox: SandboxErp): Promise<void> {
        await sale(sandbox.url, 'RSV-1');
        await control(sandbox.url, 'PUT', '/sandbox/periods/2026-10', { status: 'closed' });
        await call(sandbox.url, 'PUT', '/erp/v1/instalments/INS-1', {
            body: instalment('INS-1', 'RSV-1', '2027-01-01', 10),
            key: 'tx-p3',
        });
        await call(sandbox.url, 'PUT', '/erp/v1/receipts/RCT-1', { body: receipt('RCT-1', 'RSV-1', 15) });
    }

    it('brings back the same postings, periods and receivables after a restart, and still knows the keys', async () => {
        const dataFile = dataFileIn();
        const first = await start({ dataFile });
        await writeSome(first);
        const before = first.ledger;
        await first.close();
        expect(readFileSync(dataFile, 'utf8').trim().split('\n')).toHaveLength(5);

        const second = await start({ dataFile });
        const after = second.ledger;
        expect([after.postings, after.periods, after.invoices, after.allocations]).toEqual([
            before.postings,
            before.periods,
            before.invoices,
            before.allocations,
        ]);
        expect(after.periods).toEqual({ '2026-10': 'closed' });
        const replay = await call(second.url, 'PUT', '/erp/v1/instalments/INS-1', {
            body: instalment('INS-1', 'RSV-1', '2027-01-01', 10),
            key: 'tx-p3',
        });
        expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    });

    it('tolerates a torn last line, and the next write after it survives the following restart', async () => {
        const dataFile = dataFileIn();
        const first = await start({ dataFile });
        await writeSome(first);
        const before = first.ledger.postings;
        await first.close();
        appendFileSync(dataFile, '{"kind":"write","resource":"customers","refer');

        const second = await start({ dataFile });
        expect(second.ledger.postings).toEqual(before);
        expect((await call(second.url, 'PUT', '/erp/v1/customers/c-2', { body: customer('c-2') })).status).toBe(201);
        await second.close();
        const third = await start({ dataFile });
        expect(third.books.postings.map((p) => p.reference)).toEqual(['c-RSV-1', 'RSV-1', 'INS-1', 'RCT-1', 'c-2']);
    });

    it('replays a reset, so a restart after it starts empty', async () => {
        const dataFile = dataFileIn();
        const first = await start({ dataFile });
        await writeSome(first);
        await control(first.url, 'POST', '/sandbox/reset');
        await call(first.url, 'PUT', '/erp/v1/customers/c-after', { body: customer('c-after') });
        await first.close();
        const second = await start({ dataFile });
        expect([second.books.postings.map((p) => p.reference), second.ledger.periods]).toEqual([['c-after'], {}]);
    });

    it('keeps commission payout holds, which a refused claim causes, across a restart', async () => {
        const dataFile = dataFileIn();
        const first = await start({ dataFile });
        await writeSome(first);
        const claim = (ref: string, sharePercent: number) =>
            call(first.url, 'PUT', `/erp/v1/commissions/${ref}`, { body: commission(ref, 'RSV-1', sharePercent) });
        expect((await claim('CLM-1', 80)).status).toBe(201);
        expect((await claim('CLM-2', 40)).status).toBe(409);
        expect(first.books.payoutHolds).toEqual(['CLM-1']);
        await first.close();
        const second = await start({ dataFile });
        expect(second.books.payoutHolds).toEqual(['CLM-1']);
    });
});

describe('the profile of an ERP that keeps no idempotency keys', () => {
    const twice = async (base: string, ref: string, key: string) => [
        await call(base, 'PUT', `/erp/v1/customers/${ref}`, { body: customer(ref), key }),
        await call(base, 'PUT', `/erp/v1/customers/${ref}`, { body: customer(ref), key }),
    ];

    it('posts a write sent twice twice: no replay, no Idempotent-Replayed, two ledger entries', async () => {
        const own = await start({ idempotencyKeys: false });
        const [first, again] = await twice(own.url, 'c-twice', 'tx-twice');
        expect([first?.status, again?.status, again?.headers.get('idempotent-replayed')]).toEqual([201, 200, null]);
        expect(again?.body).toEqual({ postingId: 'ERP-0000001', reference: 'c-twice', status: 'updated' });
        // The ledger records each posting with the header it carried and the transaction it names.
        expect(own.ledger.postings.map((p) => [p.seq, p.idempotencyKey, p.integrationReference])).toEqual([
            [1, 'tx-twice', 'tx-twice'],
            [2, 'tx-twice', 'tx-twice'],
        ]);
    });

    it('ignores the header: none is needed, and one reused for another record is not refused', async () => {
        const own = await start({ idempotencyKeys: false });
        const without = await call(own.url, 'PUT', '/erp/v1/customers/c-nokey', {
            body: customer('c-nokey'),
            key: null,
        });
        const reused = await call(own.url, 'PUT', '/erp/v1/customers/c-other', {
            body: { ...customer('c-other'), integrationReference: 'tx-other' },
            key: 'tx-shared',
        });
        const reusedAgain = await call(own.url, 'PUT', '/erp/v1/customers/c-third', {
            body: { ...customer('c-third'), integrationReference: 'tx-third' },
            key: 'tx-shared',
        });
        expect([without.status, reused.status, reusedAgain.status]).toEqual([201, 201, 201]);
        expect(own.ledger.postings.map((p) => [p.reference, p.idempotencyKey])).toEqual([
            ['c-nokey', undefined],
            ['c-other', 'tx-shared'],
            ['c-third', 'tx-shared'],
        ]);
    });

    it('has no look-up by key (400 IDEMPOTENCY_KEYS_UNSUPPORTED), and the look-up by reference lists both postings', async () => {
        const own = await start({ idempotencyKeys: false });
        await twice(own.url, 'c-look', 'tx-look');
        const byKey = await call(own.url, 'GET', '/erp/v1/postings?idempotencyKey=tx-look');
        expect([byKey.status, byKey.body]).toEqual([
            400,
            {
                code: 'IDEMPOTENCY_KEYS_UNSUPPORTED',
                message: 'this ERP keeps no idempotency keys; look postings up by type and reference',
                details: { errors: [{ field: 'idempotencyKey', reason: 'not supported by this ERP' }] },
            },
        ]);
        const byReference = await call(own.url, 'GET', '/erp/v1/postings?type=customers&reference=c-look');
        const [p1, p2] = own.books.postings;
        // No idempotencyKey in the answer: an ERP that keeps none has none to show.
        expect(byReference.body).toEqual({
            postings: [p1, p2].map((p) => ({
                postingId: 'ERP-0000001',
                type: 'customers',
                reference: 'c-look',
                integrationReference: 'tx-look',
                postedAt: p?.receivedAt,
            })),
        });
    });

    it('is switched at runtime through the fault settings, and a reset returns to the profile it started with', async () => {
        const own = await start();
        expect((await control(own.url, 'PUT', '/sandbox/faults', { idempotencyKeys: false })).body).toMatchObject({
            idempotencyKeys: false,
        });
        const [, again] = await twice(own.url, 'c-switch', 'tx-switch');
        expect(again?.headers.get('idempotent-replayed')).toBeNull();
        await control(own.url, 'POST', '/sandbox/reset');
        expect(own.faults.settings.idempotencyKeys).toBe(true);
        const [, replay] = await twice(own.url, 'c-switch', 'tx-switch');
        expect(replay?.headers.get('idempotent-replayed')).toBe('true');

        const keyless = await start({ idempotencyKeys: false });
        await control(keyless.url, 'POST', '/sandbox/reset');
        expect(keyless.faults.settings.idempotencyKeys).toBe(false);
    });

    it('keeps both postings of a repeat across a restart (the journal replays every applied write)', async () => {
        const dataFile = join(mkdtempSync(join(tmpdir(), 'sandbox-erp-')), 'erp.jsonl');
        const first = await start({ dataFile, idempotencyKeys: false });
        await twice(first.url, 'c-durable', 'tx-durable');
        const before = first.ledger.postings;
        await first.close();
        // Restarted keeping keys: what was posted twice stays posted twice, and the key now replays.
        const second = await start({ dataFile });
        expect(second.ledger.postings).toEqual(before);
        expect(before).toHaveLength(2);
        const [replay] = await twice(second.url, 'c-durable', 'tx-durable');
        expect(replay?.headers.get('idempotent-replayed')).toBe('true');
    });
});

describe('a lost answer (loseAnswers)', () => {
    it('applies the write, cuts the connection instead of answering, and answers the next one', async () => {
        const own = await start();
        await control(own.url, 'PUT', '/sandbox/faults', { loseAnswers: 1 });
        const lost = await call(own.url, 'PUT', '/erp/v1/customers/c-lost', { body: customer('c-lost') }).catch(
            (e: unknown) => e,
        );
        expect(lost).toBeInstanceOf(Error);
        expect(own.books.held('customers', 'c-lost')).toBeDefined();
        expect(own.faults.settings.loseAnswers).toBe(0);
        const next = await call(own.url, 'PUT', '/erp/v1/customers/c-next', { body: customer('c-next') });
        expect(next.status).toBe(201);
    });

    it('loses only accepted writes: a refused one and a read are answered', async () => {
        const own = await start();
        await control(own.url, 'PUT', '/sandbox/faults', { loseAnswers: 1 });
        const refused = await call(own.url, 'PUT', '/erp/v1/customers/c-bad', { body: { customerRef: 'c-bad' } });
        const read = await call(own.url, 'GET', '/erp/v1/periods/2026-11');
        expect([refused.status, read.status, own.faults.settings.loseAnswers]).toEqual([400, 200, 1]);
    });
});
