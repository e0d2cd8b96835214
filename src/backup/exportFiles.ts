import { createHash, type Hash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import type { BlobStore, BlobWriter } from '../ports/blobStore';
import type { BackupFile } from './backupRun';

export type CsvValue = string | number | boolean | null;

/**
 * The two files of one table, written side by side as rows arrive: `<stem>.csv` (header, one line per row, for a
 * spreadsheet) and `<stem>.json` (`{ table, entity, exportedAt, rows: [...], ...trailer }`, the rows exactly as read,
 * for a program). Each tracks its bytes, rows and SHA-256 for the manifest.
 */
export class ExportFiles {
    readonly #csv: TrackedFile;
    readonly #json: TrackedFile;
    #rows = 0;

    private constructor(csv: TrackedFile, json: TrackedFile) {
        this.#csv = csv;
        this.#json = json;
    }

    static async open(
        files: BlobStore,
        paths: { csv: string; json: string },
        header: readonly string[],
        meta: Record<string, string>,
    ): Promise<ExportFiles> {
        const csv = new TrackedFile(paths.csv, 'csv', await files.create(paths.csv, 'text/csv; charset=utf-8'));
        let json: TrackedFile;
        try {
            json = new TrackedFile(
                paths.json,
                'json',
                await files.create(paths.json, 'application/json; charset=utf-8'),
            );
        } catch (e) {
            await csv.abort(e);
            throw e;
        }
        const out = new ExportFiles(csv, json);
        try {
            // A byte-order mark so Excel opens the UTF-8 (Arabic, accented names) correctly.
            await csv.write(`\uFEFF${stringify([header as string[]])}`);
            await json.write(`${JSON.stringify(meta).slice(0, -1)},"rows":[`);
        } catch (e) {
            await out.abort(e);
            throw e;
        }
        return out;
    }

    /** One page of rows: CSV records in header order, JSON rows as read. */
    async append(csvRecords: CsvValue[][], jsonRows: unknown[]): Promise<void> {
        if (csvRecords.length === 0) return;
        await this.#csv.write(stringify(csvRecords, { cast: { boolean: (b) => String(b) } }));
        const first = this.#rows === 0;
        await this.#json.write(`${first ? '' : ','}\n${jsonRows.map((r) => JSON.stringify(r)).join(',\n')}`);
        this.#rows += csvRecords.length;
        this.#csv.rows += csvRecords.length;
        this.#json.rows += jsonRows.length;
    }

    /** Ends the JSON with the trailer's fields after `rows` and stores both files. */
    async close(trailer: Record<string, unknown>): Promise<BackupFile[]> {
        try {
            const rest = JSON.stringify(trailer).slice(1);
            await this.#json.write(`\n]${rest === '}' ? '}' : `,${rest}`}\n`);
            return [await this.#csv.close(), await this.#json.close()];
        } catch (e) {
            await this.abort(e);
            throw e;
        }
    }

    async abort(reason: unknown): Promise<void> {
        await Promise.all([this.#csv.abort(reason), this.#json.abort(reason)]);
    }
}

class TrackedFile {
    readonly #hash: Hash = createHash('sha256');
    rows = 0;

    constructor(
        readonly path: string,
        readonly format: 'csv' | 'json',
        readonly writer: BlobWriter,
    ) {}

    async write(chunk: string): Promise<void> {
        this.#hash.update(chunk, 'utf8');
        await this.writer.write(chunk);
    }

    async close(): Promise<BackupFile> {
        const { bytes } = await this.writer.close();
        return { path: this.path, format: this.format, bytes, rows: this.rows, sha256: this.#hash.digest('hex') };
    }

    async abort(reason: unknown): Promise<void> {
        await this.writer.abort(reason instanceof Error ? reason : new Error(String(reason))).catch(() => undefined);
    }
}
