import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { TokenCredential } from '@azure/identity';
import { ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { type BlobStore, BlobStoreError, type BlobWriter } from '../../ports/blobStore';

/** Managed identity in Azure (role Storage Blob Data Contributor on the container); the Azurite connection string locally. */
export type BlobConnection = { endpoint: string; credential: TokenCredential } | { connectionString: string };

// Blocks of 4 MiB, two in flight: a table of any size streams through about 8 MiB of memory.
const blockBytes = 4 * 1024 * 1024;
const concurrency = 2;

/**
 * Backup files in one private Blob Storage container, written as block blobs streamed from the export: blocks are
 * staged as rows arrive and committed on close, so an aborted or failed export never leaves a half file behind.
 */
export class BlobExportStore implements BlobStore {
    private constructor(
        private readonly client: ContainerClient,
        readonly container: string,
    ) {}

    /** Opens the container, creating it private (no anonymous access) when missing. */
    static async create(
        connection: BlobConnection,
        container: string,
        options: StoragePipelineOptions = {},
    ): Promise<BlobExportStore> {
        const client =
            'connectionString' in connection
                ? new ContainerClient(connection.connectionString, container, options)
                : new ContainerClient(
                      `${connection.endpoint.replace(/\/+$/, '')}/${container}`,
                      connection.credential,
                      options,
                  );
        try {
            await client.createIfNotExists();
        } catch (e) {
            throw blobError(e, `opening container ${container}`);
        }
        return new BlobExportStore(client, container);
    }

    async create(path: string, contentType: string): Promise<BlobWriter> {
        const stream = new PassThrough();
        const controller = new AbortController();
        let bytes = 0;
        let failure: Error | undefined;
        const upload = this.client
            .getBlockBlobClient(path)
            .uploadStream(stream, blockBytes, concurrency, {
                blobHTTPHeaders: { blobContentType: contentType },
                abortSignal: controller.signal,
            })
            .then(
                () => undefined,
                (e: unknown) => {
                    failure = blobError(e, `writing ${path}`);
                    throw failure;
                },
            );
        // A failed upload must wake a writer waiting for `drain`, which would otherwise never come.
        const failed = upload.then(
            () => new Promise<never>(() => {}),
            (e: unknown) => Promise.reject(e),
        );
        failed.catch(() => undefined);
        return {
            write: async (chunk) => {
                if (failure) throw failure;
                bytes += Buffer.byteLength(chunk);
                if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed]);
            },
            close: async () => {
                stream.end();
                await upload;
                return { bytes };
            },
            abort: async (reason) => {
                controller.abort(reason);
                stream.destroy(reason);
                await upload.catch(() => undefined);
            },
        };
    }

    async put(path: string, contentType: string, text: string): Promise<void> {
        try {
            await this.client.getBlockBlobClient(path).upload(text, Buffer.byteLength(text), {
                blobHTTPHeaders: { blobContentType: contentType },
            });
        } catch (e) {
            throw blobError(e, `writing ${path}`);
        }
    }

    async read(path: string): Promise<string | undefined> {
        try {
            return (await this.client.getBlockBlobClient(path).downloadToBuffer()).toString('utf8');
        } catch (e) {
            if (statusOf(e) === 404) return undefined;
            throw blobError(e, `reading ${path}`);
        }
    }

    async list(prefix: string): Promise<string[]> {
        const names: string[] = [];
        try {
            for await (const blob of this.client.listBlobsFlat({ prefix })) names.push(blob.name);
        } catch (e) {
            throw blobError(e, `listing ${prefix || 'the container'}`);
        }
        return names.sort();
    }
}

function statusOf(e: unknown): number | undefined {
    const status = (e as { statusCode?: unknown } | null)?.statusCode;
    return typeof status === 'number' ? status : undefined;
}

function blobError(e: unknown, what: string): BlobStoreError {
    if (e instanceof BlobStoreError) return e;
    const status = statusOf(e);
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return new BlobStoreError(`Blob Storage ${what}: ${status ? `${status} ` : ''}${reason}`, { cause: e });
}
