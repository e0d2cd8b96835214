import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const doc = JSON.parse(readFileSync('docs/erp-contract.openapi.json', 'utf8')) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
};

describe('docs/erp-contract.openapi.json', () => {
    it('is OpenAPI 3.0 and documents every route the sandbox ERP serves under /erp/v1', () => {
        expect(doc.openapi).toMatch(/^3\.0\./);
        // The routes sandbox/erp/sandboxErpServer.ts implements, method by method.
        const served = [
            'put /erp/v1/customers/{customerRef}',
            'put /erp/v1/reservations/{reservationNumber}',
            'get /erp/v1/reservations/{reservationNumber}',
            'put /erp/v1/instalments/{instalmentId}',
            'put /erp/v1/receipts/{receiptNumber}',
            'put /erp/v1/commissions/{claimNumber}',
            'put /erp/v1/construction-progress/{buildingCode}/{period}',
            'put /erp/v1/units/{unitCode}/status',
            'get /erp/v1/postings',
            'get /erp/v1/periods/{period}',
        ];
        const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
            Object.keys(ops).map((m) => `${m} ${path}`),
        );
        expect(documented.sort()).toEqual(served.sort());
    });

    it('requires the Idempotency-Key on every write', () => {
        for (const [path, ops] of Object.entries(doc.paths)) {
            const put = ops.put as { parameters: Array<{ $ref?: string }> } | undefined;
            if (put)
                expect([path, put.parameters.some((p) => p.$ref === '#/components/parameters/IdempotencyKey')]).toEqual(
                    [path, true],
                );
        }
    });
});
