import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { MigrationMap } from './migrationMapSchema';

/** One legacy file as read: its rows by header name, with the line each came from. */
export interface SourceFile {
    file: string;
    rows: Array<{ line: number; cells: Record<string, string> }>;
}

export interface LegacySource {
    folder: string;
    /** SHA-256 over the map and every mapped file's bytes: dry runs and sign-offs belong to exactly this content. */
    contentHash: string;
    files: Map<string, SourceFile>;
}

/** A source that cannot be read as the map expects: which file, which line or column, and why. */
export class SourceError extends Error {
    readonly code = 'MIGRATION_SOURCE_INVALID';
    readonly owner = 'integration';
    constructor(message: string) {
        super(message);
        this.name = 'SourceError';
    }
}

/** Reads every file the map names (CSV with a header row) and hashes the content together with the map. */
export function readLegacySource(folder: string, map: MigrationMap, mapText: string): LegacySource {
    const hash = createHash('sha256').update(mapText);
    const files = new Map<string, SourceFile>();
    for (const table of map.tables) {
        const path = join(folder, table.file);
        if (!existsSync(path)) throw new SourceError(`${path}: missing (the map's table '${table.id}' reads it)`);
        const bytes = readFileSync(path);
        hash.update(`\0${table.file}\0`).update(bytes);
        let records: string[][];
        try {
            records = parse(bytes, { bom: true, skip_empty_lines: true, relax_column_count: false });
        } catch (e) {
            throw new SourceError(`${path}: not valid CSV (${e instanceof Error ? e.message : String(e)})`);
        }
        const [header, ...body] = records;
        if (!header) throw new SourceError(`${path}: empty (a header row is expected)`);
        const columns = header.map((h) => h.trim());
        for (const field of table.fields) {
            if (!columns.includes(field.source)) {
                throw new SourceError(`${path}: no column '${field.source}' (the map's ${table.id}.${field.target})`);
            }
        }
        files.set(table.file, {
            file: table.file,
            rows: body.map((cells, i) => ({
                line: i + 2,
                cells: Object.fromEntries(columns.map((c, j) => [c, cells[j] ?? ''])),
            })),
        });
    }
    return { folder, contentHash: hash.digest('hex'), files };
}
