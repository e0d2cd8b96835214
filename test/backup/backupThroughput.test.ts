import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../local/azurite';
import { startSandboxDataverse } from '../../sandbox/dataverse/sandboxDataverseServer';
import { BlobExportStore } from '../../src/adapters/azure/blobExportStore';
import { DataverseWebApiClient } from '../../src/adapters/dataverse/dataverseWebApiClient';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { referenceBackupTables } from '../../src/backup/backupPlan';
import { runBackup } from '../../src/backup/runBackup';
import { silentLogger } from '../../src/ports/logger';

/**
 * Measures an export of a big contacts table through the real Web API client (sandbox) into Azurite. Off by default
 * (it is a measurement, not a check): BACKUP_BENCH_ROWS=50000 npx vitest run test/backup/backupThroughput.test.ts
 */
const rows = Number(process.env.BACKUP_BENCH_ROWS ?? 0);
const pageSize = Number(process.env.BACKUP_BENCH_PAGE ?? 1000);

describe.skipIf(rows === 0)('backup throughput (measurement)', () => {
    it(`exports ${rows} contacts in pages of ${pageSize}`, async () => {
        const location = mkdtempSync(join(tmpdir(), 'backup-bench-'));
        const azurite = await startAzurite({ location });
        const dataverse = await startSandboxDataverse();
        try {
            for (let n = 0; n < rows; n++) {
                dataverse.records.put('contact', `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, {
                    fullname: `Buyer ${n}`,
                    firstname: 'Buyer',
                    lastname: String(n),
                    emailaddress1: `buyer${n}@mail.example`,
                    mobilephone: `+9715${String(n).padStart(8, '0')}`,
                    re_nationalid: `784-${n}`,
                    statecode: 0,
                });
            }
            const files = await BlobExportStore.create({ connectionString: azurite.connectionString }, 'bench');
            const reader = new DataverseWebApiClient({
                orgUrl: dataverse.url,
                getToken: async () => 't',
                integrationOwnedFields: {},
                timeoutMs: 60_000,
            });
            global.gc?.();
            const heapBefore = process.memoryUsage().heapUsed;
            let heapPeak = heapBefore;
            const sampler = setInterval(() => {
                heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
            }, 50);
            const started = performance.now();
            const run = await runBackup(
                {
                    reader,
                    store: new MemoryTransactionStore(),
                    files,
                    notifier: { sendMail: async () => {}, postToChannel: async () => ({ messageId: '' }) },
                    clock: { now: () => new Date() },
                    random: Math.random,
                    logger: silentLogger,
                    options: {
                        pageSize,
                        maxPageAttempts: 3,
                        alertTo: [],
                        tables: referenceBackupTables.filter((t) => t.entity === 'contact'),
                    },
                },
                { trigger: 'timer' },
            );
            const seconds = (performance.now() - started) / 1000;
            clearInterval(sampler);
            const contacts = run.tables.find((t) => t.file === 'contacts');
            console.log(
                JSON.stringify({
                    rows,
                    pageSize,
                    seconds: Number(seconds.toFixed(1)),
                    rowsPerSecond: Math.round(rows / seconds),
                    csvMiB: Number(((contacts?.files[0]?.bytes ?? 0) / 2 ** 20).toFixed(1)),
                    jsonMiB: Number(((contacts?.files[1]?.bytes ?? 0) / 2 ** 20).toFixed(1)),
                    heapGrowthMiB: Number(((heapPeak - heapBefore) / 2 ** 20).toFixed(1)),
                }),
            );
            // The sandbox stops counting at 5000 like Dataverse: the check is then a lower bound.
            expect(contacts).toMatchObject({ exported: rows, distinctIds: rows, complete: true });
        } finally {
            await dataverse.close();
            await azurite.stop();
            rmSync(location, { recursive: true, force: true });
        }
    }, 600_000);
});
