import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderContractDiff } from '../../src/contract/contractDiffReport';
import { CONTRACT_PATH, loadContract } from '../../src/contract/loadContract';
import { type ContractChange, diffOpenApi } from '../../src/contract/openapiDiff';

// biome-ignore lint/suspicious/noExplicitAny: test documents are edited freely
type Json = Record<string, any>;

const committed = JSON.parse(readFileSync(CONTRACT_PATH, 'utf8')) as Json;

/** The committed contract with one edit, validated and dereferenced like the real thing. */
async function changed(edit: (doc: Json) => void): Promise<ContractChange[]> {
    const next = structuredClone(committed);
    edit(next);
    const dir = mkdtempSync(join(tmpdir(), 'contract-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(committed));
    writeFileSync(join(dir, 'next.json'), JSON.stringify(next));
    return diffOpenApi(await loadContract(join(dir, 'base.json')), await loadContract(join(dir, 'next.json')));
}

const breaking = (changes: ContractChange[]) => changes.filter((c) => c.severity === 'breaking');

// Validating a 1,600-line document takes a second or more on a loaded machine.
describe('diffOpenApi on the ERP contract', { timeout: 30_000 }, () => {
    it('finds nothing between the contract and itself', async () => {
        expect(await changed(() => {})).toEqual([]);
    });

    it('a removed operation is breaking', async () => {
        const changes = await changed((d) => {
            delete d.paths['/erp/v1/reservations/{reservationNumber}'].get;
        });
        expect(breaking(changes)).toEqual([
            expect.objectContaining({ kind: 'operation-removed', at: 'GET /erp/v1/reservations/{reservationNumber}' }),
        ]);
    });

    it('a removed path is breaking', async () => {
        const changes = await changed((d) => {
            delete d.paths['/erp/v1/postings'];
        });
        expect(breaking(changes).map((c) => [c.kind, c.at])).toEqual([['path-removed', 'GET /erp/v1/postings']]);
    });

    it('a removed response field is breaking, wherever the schema is used', async () => {
        const changes = await changed((d) => {
            delete d.components.schemas.Posted.properties.postingId;
        });
        const removed = breaking(changes).filter((c) => c.kind === 'response-field-removed');
        expect(removed.length).toBeGreaterThan(0);
        expect(removed.every((c) => c.at.endsWith('.postingId'))).toBe(true);
        expect(removed.map((c) => c.at)).toContain('PUT /erp/v1/customers/{customerRef} response 200 .postingId');
    });

    it('a new required request field is breaking; a new optional one is not', async () => {
        const required = await changed((d) => {
            const s = d.components.schemas.CustomerWrite;
            s.properties.taxId = { type: 'string' };
            s.required.push('taxId');
        });
        expect(breaking(required)).toContainEqual(
            expect.objectContaining({
                kind: 'request-field-required',
                at: 'PUT /erp/v1/customers/{customerRef} request body .taxId',
            }),
        );
        const optional = await changed((d) => {
            d.components.schemas.CustomerWrite.properties.taxId = { type: 'string' };
        });
        expect(breaking(optional)).toEqual([]);
        expect(optional.map((c) => c.kind)).toContain('request-field-added');
    });

    it('a narrowed request enum is breaking; a widened response enum is breaking too', async () => {
        const schemas = committed.components.schemas as Record<string, Json>;
        const [name, field, values] = Object.entries(schemas)
            .filter(([n]) => n.endsWith('Write'))
            .flatMap(([n, s]) =>
                Object.entries((s.properties ?? {}) as Record<string, Json>)
                    .filter(([, p]) => Array.isArray(p.enum) && p.enum.length > 1)
                    .map(([f, p]) => [n, f, p.enum as unknown[]] as const),
            )[0] as readonly [string, string, unknown[]];
        const narrowed = await changed((d) => {
            d.components.schemas[name].properties[field].enum = values.slice(1);
        });
        expect(breaking(narrowed)).toContainEqual(
            expect.objectContaining({
                kind: 'request-enum-narrowed',
                detail: `no longer accepts ${JSON.stringify(values[0])}`,
            }),
        );
        const widened = await changed((d) => {
            const status = d.components.schemas.Period.properties.status;
            status.enum = [...status.enum, 'archived'];
        });
        expect(breaking(widened).map((c) => c.kind)).toContain('response-enum-widened');
    });

    it('a new required query parameter, a removed response and a new error status are breaking', async () => {
        const changes = await changed((d) => {
            d.paths['/erp/v1/postings'].get.parameters.push({
                name: 'tenant',
                in: 'query',
                required: true,
                schema: { type: 'string' },
            });
            delete d.paths['/erp/v1/periods/{period}'].get.responses['200'];
            d.paths['/erp/v1/periods/{period}'].get.responses['418'] = { description: 'teapot' };
        });
        expect(
            breaking(changes)
                .map((c) => c.kind)
                .sort(),
        ).toEqual(['request-parameter-required', 'response-added', 'response-removed']);
    });

    it('a tighter constraint on what we send is breaking', async () => {
        const changes = await changed((d) => {
            d.components.schemas.CustomerWrite.properties.customerRef.maxLength = 8;
        });
        expect(breaking(changes)).toContainEqual(
            expect.objectContaining({ kind: 'request-constraint-narrowed', detail: 'maxLength ∞ → 8' }),
        );
    });

    it('a new operation is compatible', async () => {
        const changes = await changed((d) => {
            d.paths['/erp/v1/health'] = { get: { responses: { '200': { description: 'ok' } } } };
        });
        expect(changes).toEqual([expect.objectContaining({ severity: 'compatible', kind: 'operation-added' })]);
    });

    it('the report puts the breaking changes first and says what must happen', () => {
        const text = renderContractDiff('git:HEAD', 'erp-v2.json', [
            { severity: 'compatible', kind: 'operation-added', at: 'GET /x', detail: 'new' },
            { severity: 'breaking', kind: 'path-removed', at: 'GET /y', detail: 'gone' },
        ]);
        expect(text).toMatch(
            /1 breaking change\(s\): the integration must change[\s\S]*✗ path-removed: GET \/y[\s\S]*· operation-added/,
        );
    });
});

describe('loadContract', { timeout: 30_000 }, () => {
    it('reads the committed baseline from git', async () => {
        const doc = await loadContract('git:HEAD');
        expect(Object.keys(doc.paths ?? {})).toContain('/erp/v1/postings');
    });

    it('names the source and the reason when a document cannot be used', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'contract-'));
        writeFileSync(join(dir, 'broken.json'), '{ not json');
        writeFileSync(join(dir, 'notapi.json'), JSON.stringify({ openapi: '3.0.3', paths: 'x' }));
        await expect(loadContract(join(dir, 'missing.json'))).rejects.toThrow(/missing.json: cannot read it/);
        await expect(loadContract(join(dir, 'broken.json'))).rejects.toThrow(/broken.json: not JSON/);
        await expect(loadContract(join(dir, 'notapi.json'))).rejects.toThrow(
            /notapi.json: not a valid OpenAPI document/,
        );
        await expect(loadContract('git:no-such-ref')).rejects.toThrow(/git:no-such-ref: cannot read it/);
    });
});
