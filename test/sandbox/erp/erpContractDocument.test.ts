import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxErp, startSandboxErp } from '../../../sandbox/erp/sandboxErpServer';
import { loadConfigFile } from '../../../src/config/configFile';
import { erpMapSchema } from '../../../src/mapping/erpMapSchema';

interface Operation {
    parameters?: Array<{ $ref?: string; name?: string; in?: string }>;
    requestBody?: { content: Record<string, { schema: { $ref: string } }> };
    responses: Record<string, { $ref?: string }>;
}
interface Schema {
    required?: string[];
    properties?: Record<string, unknown>;
}
const doc = JSON.parse(readFileSync('docs/erp-contract.openapi.json', 'utf8')) as {
    openapi: string;
    security: unknown;
    paths: Record<string, Record<string, Operation>>;
    components: {
        schemas: Record<string, Schema>;
        securitySchemes: Record<string, unknown>;
        headers: Record<string, unknown>;
        responses: Record<string, { headers?: Record<string, { $ref: string }> }>;
    };
};
const map = loadConfigFile('config/erp-map.v1.json', erpMapSchema);

// The routes sandbox/erp/sandboxErpServer.ts serves under /erp/v1, read from its writePath, progressPath and unitPath
// patterns and its GET branches.
const served = [
    'put /erp/v1/customers/{customerRef}',
    'put /erp/v1/reservations/{reservationNumber}',
    'put /erp/v1/instalments/{instalmentId}',
    'put /erp/v1/receipts/{receiptNumber}',
    'put /erp/v1/commissions/{claimNumber}',
    'put /erp/v1/construction-progress/{buildingCode}/{period}',
    'put /erp/v1/units/{unitCode}/status',
    'get /erp/v1/postings',
    'get /erp/v1/periods/{period}',
    'get /erp/v1/reservations/{reservationNumber}',
    'get /erp/v1/reports/revenue',
    'get /erp/v1/reports/records',
];
const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
const sample = (path: string) => path.replace('{period}', '2026-11').replace(/\{(\w+)\}/g, 'X-1');

let erp: SandboxErp;
beforeAll(async () => {
    erp = await startSandboxErp({ port: 0 });
});
afterAll(async () => {
    await erp.close();
});

describe('docs/erp-contract.openapi.json', () => {
    it('is OpenAPI 3.0 and documents exactly the routes the sandbox ERP serves under /erp/v1', () => {
        expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
        expect([...documented].sort()).toEqual([...served].sort());
    });

    it('every documented route is one the running sandbox routes (not its 404 for an unknown path)', async () => {
        const answers = await Promise.all(
            documented.map(async (route) => {
                const [method = '', path = ''] = route.split(' ');
                const response = await fetch(`${erp.url}${sample(path)}`, {
                    method: method.toUpperCase(),
                    headers: { authorization: 'Bearer t', 'idempotency-key': `doc-${route}` },
                    ...(method === 'put' ? { body: '{}' } : {}),
                });
                return [route, response.status, ((await response.json()) as { code?: string }).code];
            }),
        );
        // Writes reach validation; reads reach their handler (an unknown reservation is its own 404,
        // the posting look-up and the reports without their required query are validation failures).
        expect(answers).toEqual(
            documented.map((route) =>
                route.startsWith('put ') || route === 'get /erp/v1/postings' || route.includes('/reports/')
                    ? [route, 400, 'VALIDATION_FAILED']
                    : route.includes('reservations')
                      ? [route, 404, 'NOT_FOUND']
                      : [route, 200, undefined],
            ),
        );
        const unknownReservation = await fetch(`${erp.url}/erp/v1/reservations/X-1`, {
            headers: { authorization: 'Bearer t' },
        });
        expect(await unknownReservation.json()).toEqual({
            code: 'NOT_FOUND',
            message: 'no reservation X-1',
            details: { reference: 'X-1' },
        });
    });

    it('names every path placeholder as a path parameter', () => {
        for (const [path, ops] of Object.entries(doc.paths)) {
            const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
            for (const [method, op] of Object.entries(ops)) {
                const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
                expect([method, path, pathParams]).toEqual([method, path, placeholders]);
            }
        }
    });

    it('requires the Idempotency-Key and takes x-correlation-id on every write', () => {
        for (const [path, ops] of Object.entries(doc.paths)) {
            if (!ops.put) continue;
            const refs = (ops.put.parameters ?? []).map((p) => p.$ref).filter(Boolean);
            expect([path, refs]).toEqual([
                path,
                ['#/components/parameters/IdempotencyKey', '#/components/parameters/CorrelationId'],
            ]);
        }
    });

    it('describes each write body as the ERP map builds it: its body fields plus sourceRecordId, integrationReference and postingDate', () => {
        for (const rule of Object.values(map.transactions)) {
            const documentedPath = Object.keys(doc.paths).find(
                (p) => p.replace(/\{\w+\}/g, '{}') === rule.path.replace(/\{\w+\}/g, '{}'),
            );
            const ref = documentedPath
                ? doc.paths[documentedPath]?.put?.requestBody?.content['application/json']
                : undefined;
            const schema = doc.components.schemas[ref?.schema.$ref.replace('#/components/schemas/', '') ?? ''];
            const required = Object.entries(rule.body)
                .filter(([, source]) => !('const' in source) && source.required !== false)
                .map(([field]) => field);
            expect([rule.path, Object.keys(schema?.properties ?? {}), schema?.required]).toEqual([
                rule.path,
                ['sourceRecordId', 'integrationReference', 'postingDate', ...Object.keys(rule.body)],
                ['sourceRecordId', 'integrationReference', 'postingDate', ...required],
            ]);
        }
    });

    it('has the error schema, bearer security and the contract headers', () => {
        expect(doc.components.schemas.Error).toMatchObject({
            required: ['code', 'message', 'details'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
        });
        expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
        expect(doc.security).toEqual([{ bearer: [] }]);
        expect(Object.keys(doc.components.headers).sort()).toEqual([
            'IdempotentReplayed',
            'RetryAfter',
            'WwwAuthenticate',
        ]);
        expect(doc.components.responses.RateLimited?.headers?.['Retry-After']?.$ref).toBe(
            '#/components/headers/RetryAfter',
        );
        for (const name of ['Created', 'Updated']) {
            expect(doc.components.responses[name]?.headers?.['Idempotent-Replayed']?.$ref).toBe(
                '#/components/headers/IdempotentReplayed',
            );
        }
    });

    it('resolves every $ref', () => {
        const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] ?? '');
        expect(refs.length).toBeGreaterThan(50);
        const unresolved = refs.filter((ref) => {
            let node: unknown = doc;
            for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)?.[part];
            return node === undefined;
        });
        expect(unresolved).toEqual([]);
    });
});
