import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { alertUnrecordedBackup } from '../../src/backup/backupAlert';
import { getBackup, listBackups } from '../../src/backup/backupCatalog';
import { type BackupDeps, runBackup } from '../../src/backup/runBackup';
import type { BlobStore } from '../../src/ports/blobStore';
import {
    backupListQuerySchema,
    backupListResponseSchema,
    backupPathSchema,
    backupRunBodySchema,
    backupRunSchema,
} from '../api/backupSchemas';
import { jsonOf } from '../api/typedJson';
import { queryObject } from '../api/zodProblem';
import { type Actor, actingAs } from '../auth/operatorAccess';
import type { Services, ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';
import { problem } from './jsonResponse';
import { optionalJsonBody } from './optionalJsonBody';

function deps(s: Services, files: BlobStore, context: InvocationContext): BackupDeps {
    return {
        reader: s.backup.reader,
        store: s.store,
        files,
        notifier: s.notifier,
        clock: s.clock,
        random: s.random,
        logger: contextLogger(context),
        options: s.backup.options,
    };
}

/** Timer (BACKUP_SCHEDULE, weekly by default): one run; a run that is not complete fails the invocation too. */
export function createBackupTimerHandler(services: ServicesProvider) {
    return async (_timer: unknown, context: InvocationContext): Promise<void> => {
        const s = await services();
        let files: BlobStore;
        try {
            files = await s.backup.files();
        } catch (e) {
            await alertUnrecordedBackup(s.notifier, s.backup.options.alertTo, {
                trigger: 'timer',
                at: s.clock.now(),
                container: '(backup container)',
                error: e,
            });
            throw e;
        }
        const run = await runBackup(deps(s, files, context), { trigger: 'timer' });
        if (run.status !== 'complete')
            throw new Error(`backup ${run.id} is ${run.status} (GET /api/backups/${run.id})`);
    };
}

/**
 * POST /api/backups: runs a backup now, recording the signed-in actor as who asked, and answers with its record (201,
 * Location of the record). The run's outcome is in `status` (complete, incomplete, failed); 503 when the backup
 * container cannot be opened.
 */
export function createBackupRunHandler(services: ServicesProvider) {
    return async (request: HttpRequest, context: InvocationContext, actor: Actor): Promise<HttpResponseInit> => {
        const read = await optionalJsonBody(request);
        if (!read.ok) return problem(400, 'INVALID_BODY', 'the body is not JSON; expected {} or nothing');
        const parsed = backupRunBodySchema.safeParse(read.body);
        if (!parsed.success)
            return problem(400, 'INVALID_BODY', 'expected {} or nothing', {
                field: parsed.error.issues[0]?.path.join('.') ?? '',
            });
        const s = await services();
        let files: BlobStore;
        try {
            files = await s.backup.files();
        } catch (e) {
            contextLogger(context).error('backup container unavailable', { code: 'BACKUP_STORAGE_FAILED' });
            return problem(503, 'BACKUP_STORAGE_UNAVAILABLE', e instanceof Error ? e.message : String(e));
        }
        const run = await runBackup(deps(s, files, context), {
            trigger: 'http',
            requestedBy: actingAs(actor, parsed.data.by),
        });
        return jsonOf(backupRunSchema, 201, run, { location: `/api/backups/${run.id}` });
    };
}

/** GET /api/backups?top=20: past runs, newest first, with their outcome. */
export function createBackupListHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const raw = request.query.get('top');
        const query = backupListQuerySchema.safeParse(queryObject(request.query));
        // Digits only: the schema's coercion would also take "1e2" or " 5".
        if (!query.success || (raw !== null && !/^\d+$/.test(raw)))
            return problem(400, 'INVALID_QUERY', 'top must be a whole number from 1 to 200', { field: 'top' });
        const s = await services();
        return jsonOf(backupListResponseSchema, 200, {
            backups: await listBackups(await s.backup.files(), query.data.top, s.clock.now()),
        });
    };
}

/** GET /api/backups/{backupId}: one run with its files (path, rows, bytes, SHA-256) and each table's counts. */
export function createBackupGetHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const path = backupPathSchema.safeParse({ backupId: request.params.backupId ?? '' });
        if (!path.success)
            return problem(400, 'INVALID_ID', 'a backup id looks like 2026-11-29T02-00-00Z-3fa9c1', {
                field: 'backupId',
            });
        const id = path.data.backupId;
        const s = await services();
        const run = await getBackup(await s.backup.files(), id);
        return run ? jsonOf(backupRunSchema, 200, run) : problem(404, 'NOT_FOUND', `no backup ${id}`);
    };
}
