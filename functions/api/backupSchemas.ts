import { z } from 'zod';
import { abandonedAfterMs } from '../../src/backup/backupCatalog';
import { backupIdPattern } from '../../src/backup/backupRun';
import { deprecatedBy } from './deprecatedBy';

const ownerSchema = z.enum(['integration', 'finance', 'project', 'salesOperations']);
const statusSchema = z
    .enum(['running', 'complete', 'incomplete', 'failed'])
    .describe('running, complete (every row counted was written once), incomplete (a table fell short) or failed.')
    .meta({ 'x-ms-summary': 'Status' });
const triggerSchema = z
    .enum(['timer', 'http'])
    .describe('timer (the weekly schedule) or http (run on demand).')
    .meta({ 'x-ms-summary': 'Trigger' });

export const backupRunBodySchema = z
    .object({
        by: deprecatedBy('asks for the backup'),
    })
    .strict()
    .meta({ id: 'RunBackupBody', description: 'Nothing is needed: the signed-in account asks for the backup.' });

export const backupListQuerySchema = z.object({
    top: z.coerce
        .number()
        .int()
        .min(1)
        .max(200)
        .default(20)
        .describe('How many runs to list, newest first (1 to 200).')
        .meta({ 'x-ms-summary': 'Top', 'x-ms-visibility': 'advanced' }),
});

export const backupPathSchema = z.object({
    backupId: z
        .string()
        .regex(backupIdPattern, 'a backup id looks like 2026-11-29T02-00-00Z-3fa9c1')
        .describe('Id of the run, as listed, e.g. 2026-11-29T02-00-00Z-3fa9c1.')
        .meta({ 'x-ms-summary': 'Backup Id', 'x-ms-visibility': 'important' }),
});

export const backupFileSchema = z
    .object({
        path: z.string().describe('Blob path in the backup container.').meta({ 'x-ms-summary': 'Path' }),
        format: z.enum(['csv', 'json']).describe('csv or json.').meta({ 'x-ms-summary': 'Format' }),
        bytes: z.number().int().describe('Size in bytes.').meta({ 'x-ms-summary': 'Bytes' }),
        rows: z.number().int().describe('Rows written.').meta({ 'x-ms-summary': 'Rows' }),
        sha256: z.string().describe('SHA-256 of the file, hex.').meta({ 'x-ms-summary': 'SHA-256' }),
    })
    .meta({ id: 'BackupFile', description: 'One file of an export: where, how big, how many rows, its SHA-256.' });

export const backupTableSchema = z
    .object({
        file: z.string().describe('Name of the export (the table).').meta({ 'x-ms-summary': 'Table File' }),
        source: z.enum(['dataverse', 'pipeline']).describe('dataverse or pipeline (the integration state).'),
        entity: z
            .string()
            .describe('The Dataverse table or pipeline store exported.')
            .meta({ 'x-ms-summary': 'Entity' }),
        expected: z
            .number()
            .int()
            .nullable()
            .describe('Rows the source counted at the start; empty when it could not count.')
            .meta({ 'x-ms-summary': 'Expected Rows' }),
        countCapped: z.boolean().describe('Dataverse stops counting at 5000: the check is then "at least that many".'),
        expectedAtEnd: z.number().int().optional().describe('Counted again at the end when the first count differed.'),
        exported: z.number().int().describe('Rows written.').meta({ 'x-ms-summary': 'Exported Rows' }),
        distinctIds: z.number().int().describe('Distinct row ids written.'),
        complete: z
            .boolean()
            .describe('Every row the source counted was written, each once.')
            .meta({ 'x-ms-summary': 'Complete' }),
        problem: z
            .string()
            .optional()
            .describe('Why it is not complete or failed (never row data).')
            .meta({ 'x-ms-summary': 'Problem' }),
        files: z.array(backupFileSchema).describe('The files written.'),
    })
    .meta({ id: 'BackupTable', description: 'One table of a backup and its completeness check.' });

export const backupRunSchema = z
    .object({
        id: z.string().describe('Id of the run.').meta({ 'x-ms-summary': 'Backup Id' }),
        trigger: triggerSchema,
        requestedBy: z.string().optional().describe('Who asked for an on-demand run.').meta({ 'x-ms-summary': 'By' }),
        startedAt: z.string().describe('Start (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Started At' }),
        finishedAt: z.string().optional().describe('End (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Finished At' }),
        status: statusSchema,
        container: z.string().describe('The Blob container holding the files.').meta({ 'x-ms-summary': 'Container' }),
        tables: z.array(backupTableSchema).describe('Each table exported.').meta({ 'x-ms-summary': 'Tables' }),
        failures: z
            .array(
                z.object({
                    code: z.string().describe('A stable machine code.').meta({ 'x-ms-summary': 'Code' }),
                    message: z.string().describe('What went wrong.').meta({ 'x-ms-summary': 'Message' }),
                    owner: ownerSchema.describe('Who must act.').meta({ 'x-ms-summary': 'Owner' }),
                }),
            )
            .describe('What failed, for a failed run.')
            .meta({ 'x-ms-summary': 'Failures' }),
        alert: z
            .object({
                sent: z.boolean().describe('Whether the alert went out.'),
                error: z.string().optional().describe('Why it did not.'),
            })
            .optional()
            .describe('The alert for a failed or incomplete run.'),
    })
    .meta({ id: 'BackupRun', description: 'One backup run: its outcome, tables, files and counts.' });

export const backupSummarySchema = z
    .object({
        id: z.string().describe('Id of the run.').meta({ 'x-ms-summary': 'Backup Id' }),
        trigger: triggerSchema,
        startedAt: z.string().describe('Start (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Started At' }),
        finishedAt: z.string().optional().describe('End (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Finished At' }),
        status: statusSchema,
        tables: z.number().int().describe('Tables exported.').meta({ 'x-ms-summary': 'Tables' }),
        rows: z.number().int().describe('Rows written in all.').meta({ 'x-ms-summary': 'Rows' }),
        incompleteTables: z
            .array(z.string())
            .describe('Tables that fell short.')
            .meta({ 'x-ms-summary': 'Incomplete Tables' }),
        abandoned: z
            .boolean()
            .optional()
            .describe(
                `True when a run still says running ${abandonedAfterMs / 3_600_000} hours after it started: it was cut off.`,
            )
            .meta({ 'x-ms-summary': 'Abandoned' }),
    })
    .meta({ id: 'BackupSummary', description: 'A backup run as listed, without its files.' });

export const backupListResponseSchema = z
    .object({
        backups: z.array(backupSummarySchema).describe('Past runs, newest first.').meta({ 'x-ms-summary': 'Backups' }),
    })
    .meta({ id: 'Backups', description: 'Past backup runs.' });
