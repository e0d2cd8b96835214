import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableAlertStore } from '../../../src/adapters/azure/tableAlertStore';
import { TableNoticeStore } from '../../../src/adapters/azure/tableNoticeStore';
import { MemoryAlertStore } from '../../../src/adapters/memory/memoryAlertStore';
import { MemoryNoticeStore } from '../../../src/adapters/memory/memoryNoticeStore';
import { alertStoreContract, noticeStoreContract } from '../../contract/notificationStores.contract';

let azurite: AzuriteInstance;
beforeAll(async () => {
    azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'azurite-')) });
});
afterAll(async () => {
    await azurite?.stop();
});

let n = 0;
const fresh = (prefix: string) => `${prefix}${Date.now().toString(36)}${n++}`;

noticeStoreContract('Table Storage (Azurite)', () =>
    TableNoticeStore.create({ connectionString: azurite.connectionString }, fresh('notices')),
);
noticeStoreContract('in-memory twin', async () => new MemoryNoticeStore());
alertStoreContract('Table Storage (Azurite)', () =>
    TableAlertStore.create(
        { connectionString: azurite.connectionString },
        { alerts: fresh('alerts'), members: fresh('members') },
    ),
);
alertStoreContract('in-memory twin', async () => new MemoryAlertStore());
