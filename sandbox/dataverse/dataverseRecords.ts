import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { EntityRefValue, NormalizedAttributes } from '../../src/dataverse/normalizedEvent';
import { checkColumns, SandboxDataverseError } from './columnValues';
import { referenceTables, type TableSchema, tableByName } from './sandboxSchema';

/** One PATCH as the sandbox received it, so tests can prove the integration wrote only its own columns. */
export interface WriteLogEntry {
    entity: string;
    id: string;
    fields: NormalizedAttributes;
    at: string;
}

interface StoredRow {
    attributes: NormalizedAttributes;
    versionnumber: number;
    createdon: string;
    modifiedon: string;
}

type DataFile = Record<string, Record<string, NormalizedAttributes>>;

/** A change as appended to the data file's log: the row's stored form after the change. */
interface LoggedChange {
    entity: string;
    id: string;
    row: StoredRow;
}

/** Changes appended to the log before the snapshot is rewritten and the log emptied. */
const changesPerSnapshot = 5000;

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The sandbox's rows, kept in normalised form (the shape a webhook gives). Every change bumps `versionnumber`
 * (one counter for the whole store, like Dataverse's row version) and `modifiedon`. With a data file, rows are
 * loaded from it at start and every change is appended to `<dataFile>.log` before it is answered, so a local launch
 * keeps its data; the snapshot is rewritten at start and every few thousand changes. (Rewriting the whole file on
 * every change made the sandbox CRM the busiest part of a 1,000-posting launch.)
 */
export class DataverseRecords {
    readonly writes: WriteLogEntry[] = [];
    readonly tables: readonly TableSchema[];
    readonly #rows = new Map<string, Map<string, StoredRow>>();
    readonly #now: () => Date;
    readonly #dataFile: string | undefined;
    /** `entity\0column` → value → row id, built on the first look-up by that column and kept up to date after. */
    readonly #keyIndex = new Map<string, Map<string, string>>();
    #version = 1000;
    #changesSinceSnapshot = 0;

    constructor(options: { tables?: readonly TableSchema[]; now?: () => Date; dataFile?: string } = {}) {
        this.tables = options.tables ?? referenceTables;
        this.#now = options.now ?? (() => new Date());
        this.#dataFile = options.dataFile;
        if (this.#dataFile) {
            if (existsSync(this.#dataFile)) this.#load(JSON.parse(readFileSync(this.#dataFile, 'utf8')));
            this.#replayLog(`${this.#dataFile}.log`);
            this.#snapshot();
        }
    }

    table(entity: string): TableSchema {
        const table = tableByName(this.tables, entity);
        if (!table) throw new SandboxDataverseError(404, '0x80040217', `Could not find entity '${entity}'.`);
        return table;
    }

    /** The row with its primary key and system columns, or undefined. */
    get(entity: string, id: string): NormalizedAttributes | undefined {
        const row = this.#table(entity).get(id.toLowerCase());
        return row && this.#view(entity, id.toLowerCase(), row);
    }

    /** Creates or replaces the row (seeding). Throws SandboxDataverseError for unknown columns or bad values. */
    put(entity: string, id: string, attributes: NormalizedAttributes): NormalizedAttributes {
        const key = id.toLowerCase();
        if (!guidPattern.test(key)) throw new SandboxDataverseError(400, '0x80040203', `'${id}' is not a valid id.`);
        const clean = checkColumns(this.table(entity), attributes);
        const at = this.#now().toISOString();
        const createdon = this.#table(entity).get(key)?.createdon ?? at;
        const row = { attributes: clean, versionnumber: ++this.#version, createdon, modifiedon: at };
        this.#reindex(entity, key, this.#table(entity).get(key)?.attributes, clean);
        this.#table(entity).set(key, row);
        this.#save(entity, key, row);
        return this.#view(entity, key, row);
    }

    /** Updates columns of an existing row and logs the write; undefined when the row does not exist. */
    patch(entity: string, id: string, fields: NormalizedAttributes): NormalizedAttributes | undefined {
        const key = id.toLowerCase();
        const clean = checkColumns(this.table(entity), fields);
        const existing = this.#table(entity).get(key);
        if (!existing) return undefined;
        const at = this.#now().toISOString();
        const row = {
            attributes: { ...existing.attributes, ...clean },
            versionnumber: ++this.#version,
            createdon: existing.createdon,
            modifiedon: at,
        };
        this.#reindex(entity, key, existing.attributes, row.attributes);
        this.#table(entity).set(key, row);
        this.writes.push({ entity, id: key, fields: clean, at });
        this.#save(entity, key, row);
        return this.#view(entity, key, row);
    }

    /** The id of the row whose `column` holds `value` (an alternate key), or undefined. */
    findIdByKey(entity: string, column: string, value: string): string | undefined {
        const name = `${entity}\0${column}`;
        let index = this.#keyIndex.get(name);
        if (!index) {
            index = new Map();
            for (const [id, row] of this.#table(entity)) {
                const v = row.attributes[column];
                if (typeof v === 'string') index.set(v, id);
            }
            this.#keyIndex.set(name, index);
        }
        return index.get(value);
    }

    #reindex(entity: string, id: string, before: NormalizedAttributes | undefined, after: NormalizedAttributes): void {
        for (const [name, index] of this.#keyIndex) {
            const [indexed, column] = name.split('\0') as [string, string];
            if (indexed !== entity) continue;
            const old = before?.[column];
            if (typeof old === 'string' && index.get(old) === id) index.delete(old);
            const now = after[column];
            if (typeof now === 'string') index.set(now, id);
        }
    }

    list(entity: string): NormalizedAttributes[] {
        return [...this.#table(entity).entries()].map(([id, row]) => this.#view(entity, id, row));
    }

    /** What a look-up shows as its name: the target row's primary name when the sandbox holds it. */
    lookupName(ref: EntityRefValue): string | null {
        const table = tableByName(this.tables, ref.logicalName);
        const name = table && this.#rows.get(ref.logicalName)?.get(ref.id)?.attributes[table.primaryName];
        return typeof name === 'string' ? name : ref.name;
    }

    #table(entity: string): Map<string, StoredRow> {
        this.table(entity);
        let rows = this.#rows.get(entity);
        if (!rows) {
            rows = new Map();
            this.#rows.set(entity, rows);
        }
        return rows;
    }

    #view(entity: string, id: string, row: StoredRow): NormalizedAttributes {
        return {
            [this.table(entity).primaryKey]: id,
            ...row.attributes,
            versionnumber: row.versionnumber,
            createdon: row.createdon,
            modifiedon: row.modifiedon,
        };
    }

    #load(file: DataFile): void {
        for (const [entity, rows] of Object.entries(file)) {
            for (const [id, stored] of Object.entries(rows)) {
                const { versionnumber, createdon, modifiedon, ...attributes } = stored;
                delete attributes[this.table(entity).primaryKey];
                const at = this.#now().toISOString();
                const version = typeof versionnumber === 'number' ? versionnumber : ++this.#version;
                this.#version = Math.max(this.#version, version);
                this.#table(entity).set(id.toLowerCase(), {
                    attributes: checkColumns(this.table(entity), attributes),
                    versionnumber: version,
                    createdon: typeof createdon === 'string' ? createdon : at,
                    modifiedon: typeof modifiedon === 'string' ? modifiedon : at,
                });
            }
        }
    }

    #replayLog(logFile: string): void {
        if (!existsSync(logFile)) return;
        for (const line of readFileSync(logFile, 'utf8').split('\n')) {
            if (!line.trim()) continue;
            let change: LoggedChange;
            try {
                change = JSON.parse(line) as LoggedChange;
            } catch {
                // A line cut short by a killed process was never answered, so no caller relies on it.
                continue;
            }
            this.#version = Math.max(this.#version, change.row.versionnumber);
            this.#table(change.entity).set(change.id, change.row);
        }
    }

    #save(entity: string, id: string, row: StoredRow): void {
        if (!this.#dataFile) return;
        const change: LoggedChange = { entity, id, row };
        appendFileSync(`${this.#dataFile}.log`, `${JSON.stringify(change)}\n`);
        if (++this.#changesSinceSnapshot >= changesPerSnapshot) this.#snapshot();
    }

    /** Writes every row to the data file (the server does on close); a process killed before keeps them in the log. */
    saveSnapshot(): void {
        this.#snapshot();
    }

    /** Writes every row to the data file (through a temporary file, so a crash leaves the old one) and empties the log. */
    #snapshot(): void {
        if (!this.#dataFile) return;
        const file: DataFile = {};
        for (const [entity, rows] of this.#rows) {
            file[entity] = Object.fromEntries([...rows].map(([id, row]) => [id, this.#view(entity, id, row)]));
        }
        writeFileSync(`${this.#dataFile}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
        renameSync(`${this.#dataFile}.tmp`, this.#dataFile);
        writeFileSync(`${this.#dataFile}.log`, '');
        this.#changesSinceSnapshot = 0;
    }
}
