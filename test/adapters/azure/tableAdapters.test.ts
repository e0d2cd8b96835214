import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableMappingLookup } from '../../../src/adapters/azure/tableMappingLookup';
import { TableTransactionStore } from '../../../src/adapters/azure/tableTransactionStore';
import { runMappingLookupContract } from '../../contract/mappingLookup.contract';
import { runTransactionStoreContract } from '../../contract/transactionStore.contract';

// The real @azure/data-tables client against Azurite, not a mock.
let azurite: AzuriteInstance;
let tables = 0;
beforeAll(async () => {
    azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'azurite-')) });
});
afterAll(async () => {
    await azurite?.stop();
});

const fresh = () => `t${Date.now().toString(36)}${++tables}`;
runTransactionStoreContract('Table Storage (Azurite)', () =>
    TableTransactionStore.create(
        { connectionString: azurite.connectionString },
        { transactions: `${fresh()}tx`, bySource: `${fresh()}src`, audit: `${fresh()}audit` },
    ),
);
runMappingLookupContract('Table Storage (Azurite)', () =>
    TableMappingLookup.create({ connectionString: azurite.connectionString }, { table: `${fresh()}map` }),
);
