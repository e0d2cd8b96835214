import { z } from 'zod';

const isoDateTime = (what: string) =>
    z
        .string()
        .refine(
            (v) =>
                /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
                !Number.isNaN(Date.parse(v)),
            {
                message: 'an ISO 8601 date and time with its offset, e.g. 2026-11-10T18:00:00Z',
            },
        )
        .describe(what);

const count = (what: string, summary: string) =>
    z.number().int().min(0).describe(what).meta({ 'x-ms-summary': summary });

const statusSchema = z
    .enum(['running', 'complete', 'incomplete', 'failed'])
    .describe(
        'complete (every table read and every row checked), incomplete (a table not read to the end or a row not checked: the next run sweeps the window again), failed (nothing could be read) or running.',
    )
    .meta({ 'x-ms-summary': 'Status' });

export const sweepRunBodySchema = z
    .object({
        since: isoDateTime('Sweep rows modified at or after this time; default: where the last complete run ended.')
            .optional()
            .meta({ 'x-ms-summary': 'Since', 'x-ms-visibility': 'advanced' }),
        until: isoDateTime('Sweep rows modified before this time; default: now.')
            .optional()
            .meta({ 'x-ms-summary': 'Until', 'x-ms-visibility': 'advanced' }),
    })
    .strict()
    .meta({ id: 'RunSweepBody', description: 'The window to sweep; nothing is needed for the usual one.' });

export const sweepListQuerySchema = z.object({
    top: z.coerce
        .number()
        .int()
        .min(1)
        .max(50)
        .default(10)
        .describe('How many runs to list, newest first (1 to 50).')
        .meta({ 'x-ms-summary': 'Top', 'x-ms-visibility': 'advanced' }),
});

const totalsSchema = z
    .object({
        rowsRead: count('Rows modified in the window, read from Dataverse.', 'Rows Read'),
        replayed: count('Rows whose latest version had no transaction: replayed through intake.', 'Replayed'),
        alreadyPresent: count(
            'Rows whose latest version (or its mapped values) a transaction already holds.',
            'Already Present',
        ),
        ignored: count('Rows replayed that the entity map does not send to the ERP.', 'Ignored'),
        failed: count('Rows that could not be checked or replayed.', 'Failed'),
    })
    .meta({ id: 'SweepTotals', description: 'What became of the rows read.' });

export const sweepRunSchema = z
    .object({
        id: z.string().describe('Id of the run.').meta({ 'x-ms-summary': 'Sweep Id' }),
        trigger: z.enum(['timer', 'http']).describe('timer (the daily schedule) or http (run on demand).'),
        requestedBy: z.string().optional().describe('Who asked for an on-demand run.').meta({ 'x-ms-summary': 'By' }),
        startedAt: z.string().describe('Start (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Started At' }),
        finishedAt: z.string().optional().describe('End (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Finished At' }),
        window: z
            .object({
                since: z.string().describe('Rows modified at or after this time.').meta({ 'x-ms-summary': 'Since' }),
                until: z.string().describe('Rows modified before this time.').meta({ 'x-ms-summary': 'Until' }),
            })
            .describe('The window swept.'),
        status: statusSchema,
        reads: count('Dataverse page reads made (bounded per run).', 'Reads'),
        tables: z
            .array(
                totalsSchema.extend({
                    entity: z.string().describe('The Dataverse table.').meta({ 'x-ms-summary': 'Table' }),
                    pages: count('Pages read.', 'Pages'),
                    complete: z.boolean().describe('Every page of the window was read.'),
                    problem: z.string().optional().describe('Why it is not complete (never row data).'),
                }),
            )
            .describe('Each table of the entity map.'),
        totals: totalsSchema,
        replays: z
            .array(
                z.object({
                    entity: z.string().describe('The Dataverse table.'),
                    recordId: z.string().describe('The row id.'),
                    transactionId: z.string().describe('The transaction intake made of it.'),
                    version: z.string().optional().describe('The row version replayed.'),
                    invalid: z.string().optional().describe('The column the map cannot read: it went to review.'),
                }),
            )
            .describe('The rows replayed (the first 100).'),
        failures: z
            .array(
                z.object({
                    entity: z.string().describe('The Dataverse table.'),
                    recordId: z.string().optional().describe('The row id, for a row.'),
                    reason: z.string().describe('What went wrong.'),
                }),
            )
            .describe('The tables or rows that could not be swept (the first 100).'),
    })
    .meta({ id: 'SweepRun', description: 'One run of the daily sweep for missed Dataverse events.' });

export const sweepListResponseSchema = z
    .object({
        sweeps: z.array(sweepRunSchema).describe('Past runs, newest first.').meta({ 'x-ms-summary': 'Sweeps' }),
    })
    .meta({ id: 'Sweeps', description: 'Past runs of the daily sweep.' });
