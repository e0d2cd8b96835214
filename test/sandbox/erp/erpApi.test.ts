import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { erpRoutes } from '../../../sandbox/erp/erpApi';
import { type SandboxErp, startSandboxErp } from '../../../sandbox/erp/sandboxErpServer';

let erp: SandboxErp;
let keys = 0;

async function call(method: string, path: string, body?: unknown, key = `api-${++keys}`, timeoutMs?: number) {
    const response = await fetch(`${erp.url}${path}`, {
        method,
        headers: { authorization: 'Bearer t', 'content-type': 'application/json', 'idempotency-key': key },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

const customer = (ref: string) => ({
    sourceRecordId: `src-${ref}`,
    integrationReference: `tx-${ref}`,
    postingDate: '2026-11-20',
    customerRef: ref,
    firstName: 'Amira',
    lastName: 'Haddad',
});

beforeAll(async () => {
    erp = await startSandboxErp({ port: 0 });
});
afterEach(async () => {
    await fetch(`${erp.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: 0 }) });
});
afterAll(async () => {
    await erp.close();
});

describe('the routes of the ERP contract', () => {
    it('are exactly the operations docs/erp-contract.openapi.json documents', () => {
        const doc = JSON.parse(readFileSync('docs/erp-contract.openapi.json', 'utf8')) as {
            paths: Record<string, Record<string, unknown>>;
        };
        const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
            Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
        );
        expect([...erpRoutes].sort()).toEqual(documented.sort());
    });

    it('answer 405 with Allow for a method the path does not take, 404 for an unknown path', async () => {
        const get = await call('GET', '/erp/v1/customers/c-1');
        expect([get.status, get.headers.get('allow'), get.body]).toEqual([
            405,
            'PUT',
            { code: 'METHOD_NOT_ALLOWED', message: 'use PUT', details: {} },
        ]);
        const unknown = await call('GET', '/erp/v1/suppliers');
        expect([unknown.status, unknown.body]).toEqual([
            404,
            { code: 'NOT_FOUND', message: 'no such route in the ERP contract', details: {} },
        ]);
    });

    it('refuse a period that is not YYYY-MM', async () => {
        expect(await call('GET', '/erp/v1/periods/2026-13')).toMatchObject({
            status: 400,
            body: { code: 'VALIDATION_FAILED', details: { errors: [{ field: 'period', reason: 'must be YYYY-MM' }] } },
        });
    });
});

describe('a write checked against the contract', () => {
    it('refuses a field of the wrong type or format, naming the field and never echoing the value', async () => {
        const answer = await call('PUT', '/erp/v1/customers/c-bad', {
            ...customer('c-bad'),
            email: 42,
            postingDate: '2026-02-30',
        });
        expect([answer.status, answer.body]).toEqual([
            400,
            {
                code: 'VALIDATION_FAILED',
                message: 'the request is invalid',
                details: {
                    errors: [
                        { field: 'postingDate', reason: 'must be a date, YYYY-MM-DD' },
                        { field: 'email', reason: 'must be a string' },
                    ],
                },
            },
        ]);
        expect(erp.books.held('customers', 'c-bad')).toBeUndefined();
    });

    it('refuses a body whose reference differs from the one in the path', async () => {
        const answer = await call('PUT', '/erp/v1/customers/c-path', customer('c-other'));
        expect(answer.body).toEqual({
            code: 'VALIDATION_FAILED',
            message: 'the request is invalid',
            details: { errors: [{ field: 'customerRef', reason: 'must equal the customerRef in the path' }] },
        });
    });

    it('refuses an Idempotency-Key already used for another record instead of replaying that answer', async () => {
        expect((await call('PUT', '/erp/v1/customers/c-k1', customer('c-k1'), 'shared-key')).status).toBe(201);
        const reused = await call('PUT', '/erp/v1/customers/c-k2', customer('c-k2'), 'shared-key');
        expect([reused.status, reused.body]).toEqual([
            422,
            {
                code: 'IDEMPOTENCY_KEY_REUSED',
                message: 'the Idempotency-Key was already used for another record',
                details: { idempotencyKey: 'shared-key', usedFor: 'customers/c-k1' },
            },
        ]);
        expect(erp.books.held('customers', 'c-k2')).toBeUndefined();
    });

    it('still applies a write whose caller gave up waiting: the look-up by key finds it', async () => {
        await fetch(`${erp.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: 300 }) });
        const gaveUp = await call('PUT', '/erp/v1/customers/c-late', customer('c-late'), 'late-key', 50).catch(
            (e: unknown) => (e as Error).name,
        );
        expect(gaveUp).toBe('TimeoutError');
        for (let i = 0; i < 100 && !erp.books.findByKey('late-key'); i++) await sleep(20);
        await fetch(`${erp.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: 0 }) });
        const found = await call('GET', '/erp/v1/postings?idempotencyKey=late-key');
        expect(found.body).toMatchObject({ postings: [{ idempotencyKey: 'late-key', reference: 'c-late' }] });
    });
});
