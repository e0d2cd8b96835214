import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { BlobExportStore } from '../../../src/adapters/azure/blobExportStore';
import { isBlobStoreError } from '../../../src/ports/blobStore';
import { runBlobStoreContract } from '../blobStore.contract';

// The real @azure/storage-blob client against Azurite's Blob service, not a mock.
let azurite: AzuriteInstance;
let location: string;
beforeAll(async () => {
    location = mkdtempSync(join(tmpdir(), 'azurite-blob-'));
    azurite = await startAzurite({ location });
});
afterAll(async () => {
    await azurite?.stop();
    rmSync(location, { recursive: true, force: true });
});

let containers = 0;
const nextContainer = () => `backups-${++containers}`;

runBlobStoreContract('Blob Storage (Azurite)', () =>
    BlobExportStore.create({ connectionString: azurite.connectionString }, nextContainer()),
);

describe('BlobExportStore on Azurite', () => {
    it('creates the container private: no anonymous read of backups', async () => {
        const name = nextContainer();
        await BlobExportStore.create({ connectionString: azurite.connectionString }, name);
        const policy = await new ContainerClient(azurite.connectionString, name).getAccessPolicy();
        expect(policy.blobPublicAccess).toBeUndefined();
        const anonymous = await fetch(`${azurite.blobUrl}/${name}?restype=container&comp=list`);
        expect([401, 403, 404]).toContain(anonymous.status);
    });

    it('stores the content type, so a browser or Excel opens the CSV as text', async () => {
        const name = nextContainer();
        const store = await BlobExportStore.create({ connectionString: azurite.connectionString }, name);
        const writer = await store.create('b/units.csv', 'text/csv; charset=utf-8');
        await writer.write('a\n');
        await writer.close();
        const props = await new ContainerClient(azurite.connectionString, name)
            .getBlockBlobClient('b/units.csv')
            .getProperties();
        expect(props.contentType).toBe('text/csv; charset=utf-8');
    });

    it('says which container it could not open when Blob Storage is unreachable', async () => {
        const dead = azurite.connectionString.replace(
            /BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/,
            'BlobEndpoint=http://127.0.0.1:9',
        );
        const e = await BlobExportStore.create({ connectionString: dead }, 'nowhere', {
            retryOptions: { maxTries: 1 },
        }).catch((x: unknown) => x);
        expect(isBlobStoreError(e)).toBe(true);
        expect((e as Error).message).toContain('opening container nowhere');
    });
});
