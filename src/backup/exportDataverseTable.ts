import { readPageWithRetries } from '../core/crmPages';
import { isEntityRef, type NormalizedValue } from '../dataverse/normalizedEvent';
import type { BlobStore } from '../ports/blobStore';
import type { CrmPage, CrmRow, CrmTableReader } from '../ports/crmClient';
import type { BackupTable } from './backupPlan';
import type { BackupTableResult } from './backupRun';
import { judgeCompleteness } from './completeness';
import { type CsvValue, ExportFiles } from './exportFiles';

export interface DataverseExportDeps {
    reader: CrmTableReader;
    files: BlobStore;
    /** Rows per page (`Prefer: odata.maxpagesize`); Dataverse allows up to 5000. */
    pageSize: number;
    /** Tries per page before the table fails (service protection limits are expected on a big export). */
    maxPageAttempts: number;
    sleep: (ms: number) => Promise<void>;
    now: () => Date;
}

/** The CSV header of a table: look-ups and choices get a second, readable column next to the raw one. */
export function csvHeader(table: BackupTable): string[] {
    return table.columns.flatMap((c) =>
        c.kind === 'lookup' ? [c.name, `${c.name}_name`] : c.kind === 'choice' ? [c.name, `${c.name}_label`] : [c.name],
    );
}

/**
 * Streams one Dataverse table, page by page, into `<prefix><file>.csv` and `.json`, and checks the rows written
 * against `@odata.count`. Only counts and codes leave this function: rows go to the files, never to a log.
 * Throws when the table cannot be read or written (after retrying throttled or unavailable pages); the files are
 * then discarded.
 */
export async function exportDataverseTable(
    table: BackupTable,
    prefix: string,
    deps: DataverseExportDeps,
): Promise<BackupTableResult> {
    const exportedAt = deps.now().toISOString();
    const out = await ExportFiles.open(
        deps.files,
        { csv: `${prefix}${table.file}.csv`, json: `${prefix}${table.file}.json` },
        csvHeader(table),
        { table: table.file, entity: table.entity, exportedAt },
    );
    const ids = new Set<string>();
    const choices: Record<string, Record<string, string>> = {};
    let exported = 0;
    let count: CrmPage['count'];
    try {
        let next: string | undefined;
        let first = true;
        do {
            const page = await readPage(table, deps, next === undefined ? { count: true } : { count: false, next });
            if (first) count = page.count;
            first = false;
            next = page.next;
            await out.append(
                page.rows.map((row) => csvRecord(table, row)),
                page.rows.map((row) => row.attributes),
            );
            for (const row of page.rows) {
                ids.add(String(row.attributes[table.primaryKey]));
                collectChoices(table, row, choices);
            }
            exported += page.rows.length;
        } while (next !== undefined);
    } catch (e) {
        await out.abort(e);
        throw e;
    }
    let expectedAtEnd: number | undefined;
    if (count && !count.capped && count.value !== exported) {
        // The CRM is live: rows created or deleted during the export move the count. Ask again before alarming.
        // A recount that fails leaves the first count standing: the table is then reported incomplete, not lost.
        expectedAtEnd = await readPage(table, { ...deps, pageSize: 1 }, { count: true })
            .then((page) => page.count?.value)
            .catch(() => undefined);
    }
    const files = await out.close({ choices });
    const verdict = judgeCompleteness({
        expected: count?.value ?? null,
        capped: count?.capped ?? false,
        ...(expectedAtEnd === undefined ? {} : { expectedAtEnd }),
        exported,
        distinctIds: ids.size,
    });
    return {
        file: table.file,
        source: 'dataverse',
        entity: table.entity,
        expected: count?.value ?? null,
        countCapped: count?.capped ?? false,
        ...(expectedAtEnd === undefined ? {} : { expectedAtEnd }),
        exported,
        distinctIds: ids.size,
        complete: verdict.complete,
        ...(verdict.complete ? {} : { problem: verdict.problem }),
        files,
    };
}

async function readPage(
    table: BackupTable,
    deps: Pick<DataverseExportDeps, 'reader' | 'pageSize' | 'maxPageAttempts' | 'sleep'>,
    request: { count: boolean; next?: string },
): Promise<CrmPage> {
    const columns = table.columns.map((c) => c.name);
    return readPageWithRetries(deps.reader, table.entity, { columns, pageSize: deps.pageSize, ...request }, deps);
}

function csvRecord(table: BackupTable, row: CrmRow): CsvValue[] {
    return table.columns.flatMap((c): CsvValue[] => {
        const v = row.attributes[c.name] ?? null;
        if (c.kind === 'lookup') return isEntityRef(v) ? [v.id, v.name] : [plain(v), null];
        if (c.kind === 'choice') return [plain(v), row.formatted[c.name] ?? null];
        return [plain(v)];
    });
}

function plain(v: NormalizedValue): CsvValue {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    return JSON.stringify(v);
}

/** Choice labels seen, by column and value, so the JSON file explains its numbers. */
function collectChoices(table: BackupTable, row: CrmRow, into: Record<string, Record<string, string>>): void {
    for (const c of table.columns) {
        const v = row.attributes[c.name];
        const label = row.formatted[c.name];
        if (c.kind !== 'choice' || typeof v !== 'number' || label === undefined) continue;
        const labels = into[c.name] ?? {};
        labels[String(v)] = label;
        into[c.name] = labels;
    }
}
