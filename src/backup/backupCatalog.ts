import type { BlobStore } from '../ports/blobStore';
import { type BackupRun, backupIdPattern, manifestName } from './backupRun';

/** A run as listed: its manifest without the per-file details. */
export interface BackupSummary {
    id: string;
    trigger: BackupRun['trigger'];
    startedAt: string;
    finishedAt?: string;
    status: BackupRun['status'];
    tables: number;
    rows: number;
    incompleteTables: string[];
    /** Set when a run still says `running` long after it started: it was cut off (timeout, crash) and never finished. */
    abandoned?: true;
}

/** Longer than any run should take (the Functions timeout is shorter): a run still `running` after this was cut off. */
export const abandonedAfterMs = 6 * 60 * 60 * 1000;

/** Past runs, newest first (ids start with their date), read from the manifests next to the files. */
export async function listBackups(files: BlobStore, max: number, now: Date): Promise<BackupSummary[]> {
    const manifests = (await files.list(''))
        .filter((path) => path.endsWith(`/${manifestName}`) && backupIdPattern.test(path.split('/')[0] ?? ''))
        .sort()
        .reverse()
        .slice(0, max);
    const runs = await Promise.all(manifests.map((path) => readManifest(files, path)));
    return runs.filter((r): r is BackupRun => r !== undefined).map((r) => summarize(r, now));
}

/** One run with its files and counts; undefined when there is no such run. */
export async function getBackup(files: BlobStore, id: string): Promise<BackupRun | undefined> {
    if (!backupIdPattern.test(id)) return undefined;
    return readManifest(files, `${id}/${manifestName}`);
}

async function readManifest(files: BlobStore, path: string): Promise<BackupRun | undefined> {
    const text = await files.read(path);
    return text === undefined ? undefined : (JSON.parse(text) as BackupRun);
}

function summarize(run: BackupRun, now: Date): BackupSummary {
    const abandoned = run.status === 'running' && now.getTime() - Date.parse(run.startedAt) > abandonedAfterMs;
    return {
        id: run.id,
        trigger: run.trigger,
        startedAt: run.startedAt,
        ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
        status: run.status,
        tables: run.tables.length,
        rows: run.tables.reduce((n, t) => n + t.exported, 0),
        incompleteTables: run.tables.filter((t) => !t.complete).map((t) => t.file),
        ...(abandoned ? { abandoned: true as const } : {}),
    };
}
