import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableMappingLookup } from '../../../src/adapters/azure/tableMappingLookup';
import { runMappingLookupContract } from '../../contract/mappingLookup.contract';

// The real @azure/data-tables client against Azurite, not a mock.
let azurite: AzuriteInstance;
let location: string;
beforeAll(async () => {
    location = mkdtempSync(join(tmpdir(), 'azurite-map-'));
    azurite = await startAzurite({ location });
});
afterAll(async () => {
    await azurite?.stop();
    rmSync(location, { recursive: true, force: true });
});

let tableCount = 0;
const freshTable = () => `map${++tableCount}`;
const rawClient = (table: string) =>
    TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });

runMappingLookupContract('Table Storage (Azurite)', () =>
    TableMappingLookup.create({ connectionString: azurite.connectionString }, { table: freshTable() }),
);

describe('TableMappingLookup cache', () => {
    /** A lookup on its own table and clock, plus a second writer that goes straight to the table. */
    async function setUp(cacheTtlMs?: number) {
        const table = freshTable();
        const clock = { ms: Date.parse('2026-11-02T09:00:00.000Z') };
        const lookup = await TableMappingLookup.create(
            { connectionString: azurite.connectionString },
            { table, cacheTtlMs, clock: { now: () => new Date(clock.ms) } },
        );
        const otherWriter = (key: string, value: string) =>
            rawClient(table).upsertEntity({ partitionKey: 'brokerVendor', rowKey: key, value }, 'Replace');
        return { lookup, clock, otherWriter };
    }

    it('answers from the cache within the TTL and reads the table again after it (60 s by default)', async () => {
        const { lookup, clock, otherWriter } = await setUp();
        await otherWriter('firm-1', 'V-1');
        expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-1');
        await otherWriter('firm-1', 'V-2');
        clock.ms += 59_999;
        expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-1');
        clock.ms += 1;
        expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-2');
    });

    it('caches a missing key too, until the TTL passes', async () => {
        const { lookup, clock, otherWriter } = await setUp(5_000);
        expect(await lookup.get('brokerVendor', 'firm-9')).toBeUndefined();
        await otherWriter('firm-9', 'V-9');
        expect(await lookup.get('brokerVendor', 'firm-9')).toBeUndefined();
        clock.ms += 5_000;
        expect(await lookup.get('brokerVendor', 'firm-9')).toBe('V-9');
    });

    it('reads the table every time when the TTL is 0', async () => {
        const { lookup, otherWriter } = await setUp(0);
        await otherWriter('firm-1', 'V-1');
        expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-1');
        await otherWriter('firm-1', 'V-2');
        expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-2');
    });

    it('invalidates its own cached value on put', async () => {
        const { lookup } = await setUp();
        await lookup.put('brokerVendor', 'firm-1', 'V-1');
        expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-1');
        await lookup.put('brokerVendor', 'firm-1', 'V-2');
        expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-2');
    });

    it('stores escaped keys that decode back to the original', async () => {
        const table = freshTable();
        const lookup = await TableMappingLookup.create({ connectionString: azurite.connectionString }, { table });
        await lookup.put('agent/Vendor', 'AG/7#1?x%\\', 'V-7');
        const rows: Array<[string | undefined, string | undefined]> = [];
        for await (const row of rawClient(table).listEntities()) rows.push([row.partitionKey, row.rowKey]);
        expect(rows).toEqual([['agent%2FVendor', 'AG%2F7%231%3Fx%25%5C']]);
    });
});

describe('TableMappingLookup errors', () => {
    it('turns a refused connection into StoreUnavailableError', async () => {
        const blocker = createServer();
        await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
        const address = blocker.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        await new Promise((r) => blocker.close(r));
        const connectionString = azurite.connectionString.replace(
            /TableEndpoint=[^;]+;/,
            `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
        );
        const table = TableClient.fromConnectionString(connectionString, 'mappings', {
            allowInsecureConnection: true,
            retryOptions: { maxRetries: 0 },
        });
        const error = await TableMappingLookup.fromClient(table).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', name: 'StoreUnavailableError' });
        expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    });
});
