import type { Owner } from '../domain/failure';
import type { BlobStore } from '../ports/blobStore';
import { isBlobStoreError } from '../ports/blobStore';
import type { Clock } from '../ports/clock';
import type { CrmTableReader } from '../ports/crmClient';
import { isCrmAuthError, isCrmRequestError, isCrmThrottledError, isCrmUnavailableError } from '../ports/crmErrors';
import type { Logger } from '../ports/logger';
import type { Notifier } from '../ports/notifier';
import type { TransactionStore } from '../ports/transactionStore';
import { sendBackupAlert } from './backupAlert';
import { type BackupTable, pipelineStateFile, referenceBackupTables } from './backupPlan';
import {
    type BackupFailure,
    type BackupRun,
    type BackupTableResult,
    backupId,
    manifestName,
    overallStatus,
} from './backupRun';
import { exportDataverseTable } from './exportDataverseTable';
import { exportPipelineState } from './exportPipelineState';

export interface BackupDeps {
    reader: CrmTableReader;
    store: TransactionStore;
    files: BlobStore;
    notifier: Notifier;
    clock: Clock;
    random: () => number;
    logger: Logger;
    options: BackupOptions;
    sleep?: (ms: number) => Promise<void>;
}

export interface BackupOptions {
    pageSize: number;
    maxPageAttempts: number;
    /** Who is told when a run fails or is incomplete. */
    alertTo: readonly string[];
    tables?: readonly BackupTable[];
}

/**
 * One backup run: every table of the plan and the pipeline state into `<id>/…` files, each checked against the
 * source's count, the manifest rewritten after each table (a run cut off still says how far it got), and an alert
 * when the run failed or is incomplete. A table that fails does not stop the others. Logs carry counts only.
 */
export async function runBackup(
    deps: BackupDeps,
    request: { trigger: BackupRun['trigger']; requestedBy?: string },
): Promise<BackupRun> {
    const started = deps.clock.now();
    const id = backupId(started, deps.random);
    const prefix = `${id}/`;
    const run: BackupRun = {
        id,
        trigger: request.trigger,
        ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
        startedAt: started.toISOString(),
        status: 'running',
        container: deps.files.container,
        tables: [],
        failures: [],
    };
    const record = () =>
        deps.files.put(
            `${prefix}${manifestName}`,
            'application/json; charset=utf-8',
            `${JSON.stringify(run, null, 2)}\n`,
        );
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const now = () => deps.clock.now();
    deps.logger.info('backup started', { backupId: id, trigger: request.trigger });
    try {
        await record();
    } catch (e) {
        // Nowhere to write: nothing else can succeed either; say so and alert.
        return finish(deps, run, [failureOf(e, 'manifest')], async () => undefined);
    }
    const jobs: Array<{
        file: string;
        entity: string;
        source: BackupTableResult['source'];
        run: () => Promise<BackupTableResult>;
    }> = [
        ...(deps.options.tables ?? referenceBackupTables).map((table) => ({
            file: table.file,
            entity: table.entity,
            source: 'dataverse' as const,
            run: () =>
                exportDataverseTable(table, prefix, {
                    reader: deps.reader,
                    files: deps.files,
                    pageSize: deps.options.pageSize,
                    maxPageAttempts: deps.options.maxPageAttempts,
                    sleep,
                    now,
                }),
        })),
        {
            file: pipelineStateFile,
            entity: 'transactions',
            source: 'pipeline' as const,
            run: () => exportPipelineState(deps.store, deps.files, prefix, now),
        },
    ];
    const failures: BackupFailure[] = [];
    for (const job of jobs) {
        try {
            const result = await job.run();
            run.tables.push(result);
            deps.logger.info('backup table exported', {
                backupId: id,
                table: job.file,
                exported: result.exported,
                expected: result.expected ?? undefined,
                complete: result.complete,
            });
        } catch (e) {
            const failure = failureOf(e, job.file);
            failures.push(failure);
            run.tables.push({
                file: job.file,
                source: job.source,
                entity: job.entity,
                expected: null,
                countCapped: false,
                exported: 0,
                distinctIds: 0,
                complete: false,
                problem: `${failure.code}: ${failure.message}`,
                files: [],
            });
            deps.logger.error('backup table failed', { backupId: id, table: job.file, code: failure.code });
        }
        run.failures = failures;
        await record().catch(() => undefined);
    }
    return finish(deps, run, failures, record);
}

async function finish(
    deps: BackupDeps,
    run: BackupRun,
    failures: BackupFailure[],
    record: () => Promise<void>,
): Promise<BackupRun> {
    run.failures = failures;
    run.status = overallStatus(run.tables, failures);
    run.finishedAt = deps.clock.now().toISOString();
    if (run.status !== 'complete') run.alert = await sendBackupAlert(deps.notifier, run, deps.options.alertTo);
    try {
        await record();
    } catch (e) {
        run.failures.push(failureOf(e, 'manifest'));
        run.status = 'failed';
    }
    const fields = {
        backupId: run.id,
        status: run.status,
        tables: run.tables.length,
        rows: run.tables.reduce((n, t) => n + t.exported, 0),
        alerted: run.alert?.sent,
    };
    if (run.status === 'complete') deps.logger.info('backup finished', fields);
    else deps.logger.error('backup finished', fields);
    return run;
}

/** What failed, in words an operator can act on, and who must act. */
function failureOf(e: unknown, what: string): BackupFailure {
    const message = `${what}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 500);
    const owner: Owner = 'integration';
    if (isCrmThrottledError(e) || isCrmUnavailableError(e)) return { code: 'CRM_UNAVAILABLE', message, owner };
    if (isCrmAuthError(e)) return { code: 'CRM_AUTH', message, owner };
    if (isCrmRequestError(e)) return { code: 'CRM_REQUEST_REJECTED', message, owner };
    if (isBlobStoreError(e)) return { code: 'BACKUP_STORAGE_FAILED', message, owner };
    const code = (e as { code?: unknown } | null)?.code;
    return { code: typeof code === 'string' ? code : 'BACKUP_FAILED', message, owner };
}
