import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableErpFleetStateStore } from '../../../src/adapters/azure/tableErpFleetStateStore';
import { runErpFleetStateStoreContract } from '../../contract/erpFleetStateStore.contract';

// The real @azure/data-tables client against Azurite: two store objects on one table stand for two instances.
let azurite: AzuriteInstance;
let location: string;
beforeAll(async () => {
    location = mkdtempSync(join(tmpdir(), 'azurite-fleet-'));
    azurite = await startAzurite({ location });
});
afterAll(async () => {
    await azurite?.stop();
    rmSync(location, { recursive: true, force: true });
});

let tables = 0;
const freshTable = () => `fleet${++tables}`;
const connection = () => ({ connectionString: azurite.connectionString });

runErpFleetStateStoreContract('Table Storage (Azurite)', async () => {
    const table = freshTable();
    return [
        await TableErpFleetStateStore.create(connection(), { table }),
        await TableErpFleetStateStore.create(connection(), { table }),
    ];
});

describe('TableErpFleetStateStore', () => {
    it('names the row and what to do when the stored state is not in the shape it writes', async () => {
        const table = freshTable();
        const store = await TableErpFleetStateStore.create(connection(), { table });
        const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
            allowInsecureConnection: true,
        });
        await raw.upsertEntity({ partitionKey: 'erp', rowKey: 'state', json: '{"grid":null}' });
        const error = await store.read().catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'ERP_FLEET_STATE_UNREADABLE', owner: 'integration' });
        expect((error as Error).message).toMatch(/table erpfleet, row erp\/state.*members.*Delete the row/s);
        await raw.upsertEntity({ partitionKey: 'erp', rowKey: 'state', json: 'not json' });
        await expect(store.update((s) => s)).rejects.toMatchObject({ code: 'ERP_FLEET_STATE_UNREADABLE' });
    });

    it('runs the change again on the newer state after losing a race, and gives up with a StoreConflictError', async () => {
        const table = freshTable();
        const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
            allowInsecureConnection: true,
        });
        const other = await TableErpFleetStateStore.create(connection(), { table });
        // A client on which another instance always writes first, between this instance's read and its write.
        let interfere = 2;
        const racing = new Proxy(raw, {
            get(target, key, receiver) {
                if (key !== 'updateEntity' && key !== 'createEntity') return Reflect.get(target, key, receiver);
                return async (...args: unknown[]) => {
                    if (interfere-- > 0) await other.update((o) => ({ ...o, pausedUntil: o.pausedUntil + 1 }));
                    return (Reflect.get(target, key, receiver) as (...a: unknown[]) => unknown).apply(target, args);
                };
            },
        });
        const store = await TableErpFleetStateStore.fromClient(racing, { maxAttempts: 3 });
        const seen: number[] = [];
        const result = await store.update((s) => {
            seen.push(s.pausedUntil);
            return { ...s, pausedUntil: s.pausedUntil + 100 };
        });
        // Lost twice (the row did not exist, then it had changed), won on the third run with both other writes in.
        expect(seen).toEqual([0, 1, 2]);
        expect(result.pausedUntil).toBe(102);
        expect((await other.read()).pausedUntil).toBe(102);
        interfere = 3;
        await expect(store.update((s) => ({ ...s, pausedUntil: 0 }))).rejects.toMatchObject({
            code: 'STORE_CONFLICT',
            message: expect.stringMatching(/kept changing under 3 attempts/),
        });
    });
});
