import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableSessionGateStore } from '../../../src/adapters/azure/tableSessionGateStore';
import type { SessionGateStore } from '../../../src/ports/sessionGateStore';
import { runSessionGateStoreContract } from '../../contract/sessionGateStore.contract';

// The real @azure/data-tables client against Azurite, not a mock.
let azurite: AzuriteInstance;
let location: string;
beforeAll(async () => {
    location = mkdtempSync(join(tmpdir(), 'azurite-gates-'));
    azurite = await startAzurite({ location });
});
afterAll(async () => {
    await azurite?.stop();
    rmSync(location, { recursive: true, force: true });
});

let tables = 0;
const tableOf = new WeakMap<SessionGateStore, string>();
runSessionGateStoreContract(
    'Table Storage (Azurite)',
    async () => {
        const table = `gates${++tables}`;
        const store = await TableSessionGateStore.create({ connectionString: azurite.connectionString }, table);
        tableOf.set(store, table);
        return store;
    },
    // Another instance over the same table, as a second Function instance has.
    (store) => TableSessionGateStore.create({ connectionString: azurite.connectionString }, tableOf.get(store)),
);
