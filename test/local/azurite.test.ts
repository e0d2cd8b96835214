import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, restartAzurite, startAzurite } from '../../local/azurite';

const dirs: string[] = [];
const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'azurite-local-'));
    dirs.push(dir);
    return dir;
};
afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const table = (azurite: AzuriteInstance) =>
    TableClient.fromConnectionString(azurite.connectionString, 'restarts', {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
    });

async function writeMarker(azurite: AzuriteInstance): Promise<void> {
    const client = table(azurite);
    await client.createTable();
    await client.createEntity({ partitionKey: 'unit-1', rowKey: 'tx-1', state: 'posted' });
}

async function readMarker(azurite: AzuriteInstance): Promise<unknown> {
    const row = await table(azurite).getEntity<{ state: string }>('unit-1', 'tx-1');
    return row.state;
}

describe('startAzurite', () => {
    it('keeps table data across a restart on the same location and ports ("Azurite restarted mid-run")', async () => {
        const location = tempDir();
        const first = await startAzurite({ location });
        await writeMarker(first);
        await first.stop();

        const second = await startAzurite({
            location,
            tablePort: first.options.tablePort,
            blobPort: first.options.blobPort,
            queuePort: first.options.queuePort,
        });
        try {
            expect(second.connectionString).toBe(first.connectionString);
            expect(await readMarker(second)).toBe('posted');
            // Everything Azurite writes stays inside the location it was given.
            expect(readdirSync(location)).toContain('__azurite_db_table__.json');
        } finally {
            await second.stop();
        }
    });

    it('restartAzurite comes back on the same endpoints with the data', async () => {
        const first = await startAzurite({ location: tempDir() });
        await writeMarker(first);
        const second = await restartAzurite(first);
        try {
            expect([second.tableUrl, second.blobUrl]).toEqual([first.tableUrl, first.blobUrl]);
            expect(await readMarker(second)).toBe('posted');
        } finally {
            await second.stop();
        }
    });

    it('builds a connection string for the development account with explicit loopback endpoints', async () => {
        const azurite = await startAzurite({ location: tempDir(), inMemory: true });
        try {
            const { blobPort, tablePort, queuePort } = azurite.options;
            expect(azurite.tableUrl).toBe(`http://127.0.0.1:${tablePort}/devstoreaccount1`);
            expect(azurite.blobUrl).toBe(`http://127.0.0.1:${blobPort}/devstoreaccount1`);
            expect(azurite.connectionString).toBe(
                'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
                    'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
                    `BlobEndpoint=http://127.0.0.1:${blobPort}/devstoreaccount1;` +
                    `QueueEndpoint=http://127.0.0.1:${queuePort}/devstoreaccount1;` +
                    `TableEndpoint=http://127.0.0.1:${tablePort}/devstoreaccount1;`,
            );
        } finally {
            await azurite.stop();
        }
    });

    it('in memory: keeps nothing on disk and nothing across a restart', async () => {
        const location = tempDir();
        const first = await startAzurite({ location, inMemory: true });
        await writeMarker(first);
        const second = await restartAzurite(first);
        try {
            const error = await readMarker(second).catch((e: unknown) => e);
            expect(error).toMatchObject({ statusCode: 404 });
            expect(readdirSync(location)).toEqual([]);
        } finally {
            await second.stop();
        }
    });

    it('fails with a clear error when a requested port is taken, before starting anything', async () => {
        const blocker = createServer();
        await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
        const address = blocker.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        const location = join(tempDir(), 'never-started');
        try {
            await expect(startAzurite({ location, tablePort: port })).rejects.toThrow(
                `Azurite cannot start: the table port 127.0.0.1:${port} is not free (EADDRINUSE)`,
            );
            expect(existsSync(join(location, '__azurite_db_table__.json'))).toBe(false);
        } finally {
            await new Promise((r) => blocker.close(r));
        }
    });

    it('stop is safe to call twice', async () => {
        const azurite = await startAzurite({ location: tempDir(), inMemory: true });
        await azurite.stop();
        await azurite.stop();
        const error = await readMarker(azurite).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    });
});
