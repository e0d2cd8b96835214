import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';

const runSchema = z.object({
    number: z.number().int().positive(),
    at: z.string(),
    contentHash: z.string(),
    clean: z.boolean(),
    /** The JSON report, relative to the state folder. */
    report: z.string(),
    reportSha256: z.string(),
});
export type DryRunEntry = z.infer<typeof runSchema>;
const runsSchema = z.object({ runs: z.array(runSchema) });

/** Who approved which dry-run report: the load refuses to run without it. */
export const signOffSchema = z.strictObject({
    dryRun: z.number().int().positive(),
    /** SHA-256 of that dry run's JSON report, so the approval is of exactly the report that was read. */
    reportSha256: z.string().regex(/^[0-9a-f]{64}$/),
    approvedBy: z.string().trim().min(1),
    role: z.string().optional(),
    approvedAt: z.string(),
});
export type SignOff = z.infer<typeof signOffSchema>;

const checkpointSchema = z.object({
    contentHash: z.string(),
    /** The ERP posting date of every migrated transaction (opening balances), fixed at the first apply. */
    cutoverDate: z.string(),
    /** Per map table id: rows fully loaded (Dataverse and ERP), a prefix of the table in load order. */
    tables: z.record(z.string(), z.number().int().nonnegative()),
    completedAt: z.string().optional(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** The default state folder: `.migration/<source folder name>` next to the source, outside the repository. */
export function defaultStateDir(source: string): string {
    const abs = resolve(source);
    return join(dirname(abs), '.migration', basename(abs));
}

export const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Writes through a temporary file and a rename, so a crash leaves the old file or the new one, never half. */
function writeAtomic(path: string, text: string): void {
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
}

/**
 * The migration's own files: numbered dry runs and their reports, the sign-off, the load's checkpoint and the ids
 * Dataverse gave the loaded rows. Plain files, so the runbook can show, copy and archive them.
 */
export class MigrationState {
    constructor(readonly dir: string) {
        mkdirSync(join(dir, 'reports'), { recursive: true });
    }

    runs(): DryRunEntry[] {
        const path = join(this.dir, 'runs.json');
        if (!existsSync(path)) return [];
        return runsSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).runs;
    }

    nextRunNumber(): number {
        return this.runs().reduce((max, r) => Math.max(max, r.number), 0) + 1;
    }

    /** Writes the report files and records the run; returns the JSON and Markdown paths. */
    recordDryRun(
        entry: Omit<DryRunEntry, 'report' | 'reportSha256'>,
        json: string,
        markdown: string,
    ): { json: string; markdown: string } {
        const stamp = entry.at.replace(/[-:.]/g, '').replace(/\d{3}Z$/, 'Z');
        const name = `reports/dry-run-${String(entry.number).padStart(3, '0')}-${stamp}`;
        writeAtomic(join(this.dir, `${name}.json`), json);
        writeAtomic(join(this.dir, `${name}.md`), markdown);
        const run = {
            ...entry,
            report: `${name}.json`,
            reportSha256: createHash('sha256').update(json).digest('hex'),
        };
        writeAtomic(join(this.dir, 'runs.json'), `${JSON.stringify({ runs: [...this.runs(), run] }, null, 2)}\n`);
        return { json: join(this.dir, `${name}.json`), markdown: join(this.dir, `${name}.md`) };
    }

    get signOffPath(): string {
        return join(this.dir, 'signoff.json');
    }

    writeSignOff(signOff: SignOff): void {
        writeAtomic(this.signOffPath, `${JSON.stringify(signOff, null, 2)}\n`);
    }

    /** The sign-off, or a reason it cannot be used. */
    readSignOff(path = this.signOffPath): SignOff | string {
        if (!existsSync(path)) return `no sign-off file at ${path}`;
        try {
            const parsed = signOffSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
            return parsed.success ? parsed.data : `${path}: ${z.prettifyError(parsed.error)}`;
        } catch (e) {
            return `${path}: not JSON (${e instanceof Error ? e.message : String(e)})`;
        }
    }

    #checkpointPath(contentHash: string): string {
        return join(this.dir, `checkpoint-${contentHash.slice(0, 16)}.json`);
    }

    #idsPath(contentHash: string): string {
        return join(this.dir, `ids-${contentHash.slice(0, 16)}.jsonl`);
    }

    readCheckpoint(contentHash: string): Checkpoint | undefined {
        const path = this.#checkpointPath(contentHash);
        return existsSync(path) ? checkpointSchema.parse(JSON.parse(readFileSync(path, 'utf8'))) : undefined;
    }

    writeCheckpoint(checkpoint: Checkpoint): void {
        writeAtomic(this.#checkpointPath(checkpoint.contentHash), `${JSON.stringify(checkpoint)}\n`);
    }

    /** Dataverse ids of loaded rows, `table\0key` → id; a torn last line (crash mid-append) is skipped. */
    readIds(contentHash: string): Map<string, string> {
        const ids = new Map<string, string>();
        const path = this.#idsPath(contentHash);
        if (!existsSync(path)) return ids;
        for (const line of readFileSync(path, 'utf8').split('\n')) {
            try {
                const [table, key, id] = JSON.parse(line) as [string, string, string];
                ids.set(`${table}\0${key}`, id);
            } catch {
                // torn or empty line
            }
        }
        return ids;
    }

    appendIds(contentHash: string, rows: Array<[string, string, string]>): void {
        if (rows.length === 0) return;
        // Starts on a fresh line so a torn last line from a crash cannot swallow the next entry.
        appendFileSync(this.#idsPath(contentHash), `\n${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    }
}
