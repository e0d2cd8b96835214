import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { registrationTables, type SystemTable } from './registrationTables';

type Row = Record<string, unknown>;

/**
 * The rows of the registration tables (service endpoints, steps, images). With a data file they are kept across
 * restarts (rewritten whole on each change: a registration is a few dozen rows), so a local `npm start` keeps
 * what `npm run dataverse:register` wrote.
 */
export class RegistrationStore {
    readonly #rows = new Map<string, Map<string, Row>>();
    readonly #file: string | undefined;
    readonly #now: () => Date;
    #version = 5000;

    constructor(options: { dataFile?: string; now?: () => Date } = {}) {
        this.#file = options.dataFile;
        this.#now = options.now ?? (() => new Date());
        for (const t of registrationTables) this.#rows.set(t.entitySet, new Map());
        if (this.#file && existsSync(this.#file)) {
            const saved = JSON.parse(readFileSync(this.#file, 'utf8')) as Record<string, Record<string, Row>>;
            for (const [set, rows] of Object.entries(saved)) {
                const table = this.#rows.get(set);
                for (const [id, row] of Object.entries(rows)) {
                    table?.set(id, row);
                    this.#version = Math.max(this.#version, Number(row.versionnumber) || 0);
                }
            }
        }
    }

    list(set: string): Row[] {
        return [...(this.#rows.get(set)?.values() ?? [])];
    }

    get(set: string, id: string): Row | undefined {
        return this.#rows.get(set)?.get(id);
    }

    /** Creates or replaces the row; `createdon` survives a replace. */
    put(table: SystemTable, id: string, row: Row): Row {
        const at = this.#now().toISOString();
        const before = this.get(table.entitySet, id);
        const stored = {
            ...row,
            [table.primaryKey]: id,
            createdon: before?.createdon ?? at,
            modifiedon: at,
            versionnumber: ++this.#version,
        };
        this.#rows.get(table.entitySet)?.set(id, stored);
        this.#save();
        return stored;
    }

    /** Deletes the row and, as Dataverse's cascade does, the rows that point at it (a step's images). */
    delete(table: SystemTable, id: string): boolean {
        const deleted = this.#rows.get(table.entitySet)?.delete(id) ?? false;
        if (!deleted) return false;
        for (const child of registrationTables) {
            if (!child.cascadeFrom) continue;
            for (const row of this.list(child.entitySet)) {
                if (row[`_${child.cascadeFrom}_value`] === id) this.delete(child, String(row[child.primaryKey]));
            }
        }
        this.#save();
        return true;
    }

    #save(): void {
        if (!this.#file) return;
        const out: Record<string, Record<string, Row>> = {};
        for (const [set, rows] of this.#rows) out[set] = Object.fromEntries(rows);
        writeFileSync(`${this.#file}.tmp`, `${JSON.stringify(out, null, 2)}\n`);
        renameSync(`${this.#file}.tmp`, this.#file);
    }
}
