/**
 * Files in one private Blob Storage container (backup exports): Azure Blob Storage with the managed identity in
 * Azure, Azurite locally, an in-memory twin for unit tests. Paths use `/` as folders (`<backup id>/contacts.csv`).
 */
export interface BlobStore {
    /** The container's name, for records and messages. */
    readonly container: string;
    /**
     * Starts a streamed write. Nothing is visible under `path` until `close` resolves (Azure commits the blocks
     * then); `abort` discards what was written.
     */
    create(path: string, contentType: string): Promise<BlobWriter>;
    /** Writes a small file whole (replacing it). */
    put(path: string, contentType: string, text: string): Promise<void>;
    /** A file's text, or undefined when there is none. */
    read(path: string): Promise<string | undefined>;
    /** Paths starting with `prefix`, in name order. */
    list(prefix: string): Promise<string[]>;
}

export interface BlobWriter {
    /** Resolves when the chunk is taken (back-pressure: a slow upload slows the reader). */
    write(chunk: string): Promise<void>;
    /** Finishes the file; resolves with its size in bytes once it is stored. */
    close(): Promise<{ bytes: number }>;
    abort(reason: Error): Promise<void>;
}

/** Blob Storage could not be written or read (unreachable, refused, no access). */
export class BlobStoreError extends Error {
    readonly code = 'BLOB_STORE_FAILED';
    readonly isBlobStoreError = true;
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'BlobStoreError';
    }
}

export const isBlobStoreError = (e: unknown): e is BlobStoreError =>
    typeof e === 'object' && e !== null && (e as { isBlobStoreError?: unknown }).isBlobStoreError === true;
