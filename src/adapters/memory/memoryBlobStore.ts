import { type BlobStore, BlobStoreError, type BlobWriter } from '../../ports/blobStore';

/** Blob files in memory, with the same visibility rule as Azure: a streamed file appears only when closed. */
export class MemoryBlobStore implements BlobStore {
    readonly files = new Map<string, { contentType: string; text: string }>();
    /** Makes the next writes fail, to test what a failed upload leaves behind. */
    failWrites = false;

    constructor(readonly container = 'crm-backups') {}

    async create(path: string, contentType: string): Promise<BlobWriter> {
        const chunks: string[] = [];
        let done = false;
        return {
            write: async (chunk) => {
                if (done) throw new BlobStoreError(`${path}: write after close`);
                if (this.failWrites) throw new BlobStoreError(`${path}: the store refused the write`);
                chunks.push(chunk);
            },
            close: async () => {
                done = true;
                const text = chunks.join('');
                this.files.set(path, { contentType, text });
                return { bytes: Buffer.byteLength(text) };
            },
            abort: async () => {
                done = true;
            },
        };
    }

    async put(path: string, contentType: string, text: string): Promise<void> {
        if (this.failWrites) throw new BlobStoreError(`${path}: the store refused the write`);
        this.files.set(path, { contentType, text });
    }

    async read(path: string): Promise<string | undefined> {
        return this.files.get(path)?.text;
    }

    async list(prefix: string): Promise<string[]> {
        return [...this.files.keys()].filter((p) => p.startsWith(prefix)).sort();
    }
}
