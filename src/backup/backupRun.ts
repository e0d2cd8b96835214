import type { Owner } from '../domain/failure';

/** One file of an export as written: where, how big, how many rows, and its SHA-256 to prove it was not altered. */
export interface BackupFile {
    path: string;
    format: 'csv' | 'json';
    bytes: number;
    rows: number;
    sha256: string;
}

/**
 * One table's export and its completeness check.
 * - `expected`: what the source counted (Dataverse `@odata.count` at the start; for the pipeline state, the store's
 *   own listing). `expectedAtEnd`: counted again when the first count did not match (the CRM is live).
 * - `complete`: every row the source counted was written, each once.
 */
export interface BackupTableResult {
    file: string;
    source: 'dataverse' | 'pipeline';
    entity: string;
    expected: number | null;
    /** Dataverse stops counting at 5000: the check is then "at least that many". */
    countCapped: boolean;
    expectedAtEnd?: number;
    exported: number;
    distinctIds: number;
    complete: boolean;
    /** Why it is not complete, or why it failed; never row data. */
    problem?: string;
    files: BackupFile[];
}

export type BackupStatus = 'running' | 'complete' | 'incomplete' | 'failed';

export interface BackupFailure {
    code: string;
    message: string;
    owner: Owner;
}

/** The manifest of one run (`<id>/manifest.json` next to its files): the record GET /api/backups reads. */
export interface BackupRun {
    id: string;
    trigger: 'timer' | 'http';
    /** Who asked for an on-demand run. */
    requestedBy?: string;
    startedAt: string;
    finishedAt?: string;
    status: BackupStatus;
    container: string;
    tables: BackupTableResult[];
    failures: BackupFailure[];
    /** Whether the alert for a failed or incomplete run went out (and why not). */
    alert?: { sent: boolean; error?: string };
}

export const manifestName = 'manifest.json';

/** `2026-11-30T02-00-00Z-3fa9c1`: sorts by date, readable, unique even when two runs start in the same second. */
export function backupId(at: Date, random: () => number): string {
    const stamp = at
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
        .replace(/:/g, '-');
    const suffix = Math.floor(random() * 0xffffff)
        .toString(16)
        .padStart(6, '0');
    return `${stamp}-${suffix}`;
}

export const backupIdPattern = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{6}$/;

/** The run's status from its tables: any failure wins, then any incomplete table. */
export function overallStatus(tables: readonly BackupTableResult[], failures: readonly BackupFailure[]): BackupStatus {
    if (failures.length > 0) return 'failed';
    return tables.every((t) => t.complete) ? 'complete' : 'incomplete';
}
