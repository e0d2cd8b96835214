import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableSweepRunStore } from '../../../src/adapters/azure/tableSweepRunStore';
import { sweepRunStoreContract } from '../../contract/sweepRunStore.contract';

let azurite: AzuriteInstance;
beforeAll(async () => {
    azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'azurite-')) });
});
afterAll(async () => {
    await azurite?.stop();
});

let n = 0;
sweepRunStoreContract('Table Storage (Azurite)', () =>
    TableSweepRunStore.create(
        { connectionString: azurite.connectionString },
        `sweepRuns${Date.now().toString(36)}${n++}`,
    ),
);
