import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BodySchema, requestBodySchema, validateBody } from '../../../sandbox/erp/erpContractSchema';

describe('requestBodySchema', () => {
    it("is the write's request-body schema from docs/erp-contract.openapi.json, its $ref resolved", () => {
        const doc = JSON.parse(readFileSync('docs/erp-contract.openapi.json', 'utf8')) as {
            paths: Record<string, { put: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }>;
            components: { schemas: Record<string, unknown> };
        };
        const path = '/erp/v1/receipts/{receiptNumber}';
        const ref = doc.paths[path]?.put.requestBody.content['application/json']?.schema.$ref ?? '';
        expect(requestBodySchema('PUT', path)).toEqual(
            doc.components.schemas[ref.replace('#/components/schemas/', '')],
        );
        expect(requestBodySchema('PUT', path)?.properties?.sourceRecordId).toMatchObject({ type: 'string' });
    });

    it('is undefined for a read or an unknown path', () => {
        expect(requestBodySchema('GET', '/erp/v1/periods/{period}')).toBeUndefined();
        expect(requestBodySchema('PUT', '/erp/v1/suppliers/{id}')).toBeUndefined();
    });
});

describe('validateBody', () => {
    const schema: BodySchema = {
        type: 'object',
        properties: {
            on: { type: 'string', format: 'date' },
            code: { type: 'string', pattern: '^[A-Z]{3}$', minLength: 3 },
            status: { type: 'string', enum: ['open', 'paid'] },
            share: { type: 'number', minimum: 0, maximum: 100 },
            sequence: { type: 'integer' },
            final: { type: 'boolean' },
        },
    };

    it('accepts a body that fits, and checks only the fields present', () => {
        expect(
            validateBody(schema, { on: '2028-02-29', code: 'AED', status: 'paid', share: 100, sequence: 2 }),
        ).toEqual([]);
        expect(validateBody(schema, {})).toEqual([]);
    });

    it('names every field that breaks its schema and why, never the value', () => {
        const errors = validateBody(schema, {
            on: '2027-02-29',
            code: 'aed',
            status: 'late',
            share: 100.5,
            sequence: 1.5,
            final: 'yes',
        });
        expect(errors).toEqual([
            { field: 'on', reason: 'must be a date, YYYY-MM-DD' },
            { field: 'code', reason: 'must match ^[A-Z]{3}$' },
            { field: 'status', reason: 'must be one of open, paid' },
            { field: 'share', reason: 'must be at most 100' },
            { field: 'sequence', reason: 'must be an integer' },
            { field: 'final', reason: 'must be true or false' },
        ]);
        expect(validateBody(schema, { share: Number.NaN, code: 'A' })).toEqual([
            { field: 'code', reason: 'must have at least 3 characters' },
            { field: 'share', reason: 'must be a number' },
        ]);
    });

    it('refuses a body that is not an object', () => {
        expect([validateBody(schema, [1]), validateBody(schema, null)]).toEqual([
            [{ field: '(body)', reason: 'must be an object' }],
            [{ field: '(body)', reason: 'must be an object' }],
        ]);
    });
});
