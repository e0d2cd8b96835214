import { z } from 'zod';
import { deprecatedBy } from './deprecatedBy';

export const conditionSchema = z
    .object({
        key: z.string().describe('The condition, e.g. period 2026-11 frozen.').meta({ 'x-ms-summary': 'Condition' }),
        kind: z
            .enum([
                'period',
                'milestone',
                'dependency',
                'activePlan',
                'erpUnavailable',
                'crmUnavailable',
                'retryBudget',
                'other',
            ])
            .describe('Kind of condition.')
            .meta({ 'x-ms-summary': 'Kind' }),
        owner: z
            .enum(['integration', 'finance', 'project', 'salesOperations'])
            .describe('Who must act.')
            .meta({ 'x-ms-summary': 'Owner' }),
        since: z.string().describe('Since when (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Since' }),
        details: z.record(z.string(), z.unknown()).describe('Facts behind the condition.'),
        status: z.enum(['active', 'cleared']).describe('active or cleared.'),
        clearedAt: z.string().optional().describe('When it cleared.'),
        lastProbeAt: z.string().optional().describe('When it was last probed.'),
        parkedUnits: z.number().int().describe('Units parked under it.').meta({ 'x-ms-summary': 'Parked Units' }),
        ageMinutes: z.number().int().describe('Minutes since it opened.').meta({ 'x-ms-summary': 'Age In Minutes' }),
    })
    .meta({ id: 'Condition', description: 'Something parked transactions wait on.' });

export const conditionsResponseSchema = z
    .object({
        conditions: z.array(conditionSchema).describe('Active conditions.').meta({ 'x-ms-summary': 'Conditions' }),
    })
    .meta({ id: 'Conditions', description: 'What parked transactions wait on.' });

export const reprocessBodySchema = z
    .object({
        condition: z
            .string()
            .min(1)
            .describe('The condition to release, exactly as listed, e.g. period 2026-11 frozen.')
            .meta({ 'x-ms-summary': 'Condition', 'x-ms-visibility': 'important' }),
        by: deprecatedBy('releases it'),
    })
    .strict()
    .meta({ id: 'ReprocessConditionBody', description: 'The condition to release now.' });

export const reprocessResponseSchema = z
    .object({
        condition: z.string().describe('The condition released.').meta({ 'x-ms-summary': 'Condition' }),
        reprocessedUnits: z
            .number()
            .int()
            .describe('Units whose parked transactions were sent again.')
            .meta({ 'x-ms-summary': 'Reprocessed Units' }),
        by: z
            .string()
            .describe('Who released it: the signed-in account (its user principal name).')
            .meta({ 'x-ms-summary': 'By' }),
    })
    .meta({ id: 'ReprocessResult', description: 'How many units were reprocessed.' });

export const meterQuerySchema = z.object({
    day: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'day must be YYYY-MM-DD')
        .optional()
        .describe('The UTC day to read (YYYY-MM-DD); today when empty.')
        .meta({ 'x-ms-summary': 'Day', 'x-ms-visibility': 'important' }),
});

export const summaryQuerySchema = z.object({
    date: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be a calendar date YYYY-MM-DD')
        .optional()
        .describe('The UTC date to summarise (YYYY-MM-DD); today when empty.')
        .meta({ 'x-ms-summary': 'Date', 'x-ms-visibility': 'important' }),
});

export const meterResponseSchema = z
    .object({
        day: z.string().describe('The UTC day.').meta({ 'x-ms-summary': 'Day' }),
        calls: z.number().int().describe('ERP calls.').meta({ 'x-ms-summary': 'Calls' }),
        firstAttempts: z.number().int().describe('First attempts.').meta({ 'x-ms-summary': 'First Attempts' }),
        retries: z.number().int().describe('Retries.').meta({ 'x-ms-summary': 'Retries' }),
        probes: z.number().int().describe('Condition probes.').meta({ 'x-ms-summary': 'Probes' }),
        byType: z
            .record(z.string(), z.object({ calls: z.number().int(), retries: z.number().int() }))
            .describe('Calls and retries by transaction type.'),
        byOutcome: z.record(z.string(), z.number().int()).describe('Calls by outcome.'),
        retryBudget: z.number().int().describe('Retries allowed per day.').meta({ 'x-ms-summary': 'Retry Budget' }),
        retryBudgetUsed: z
            .number()
            .describe('Share of the retry budget used (1 = all).')
            .meta({ 'x-ms-summary': 'Retry Budget Used' }),
        breaker: z
            .object({
                state: z.string().describe('closed, open or halfOpen.').meta({ 'x-ms-summary': 'Breaker State' }),
            })
            .catchall(z.unknown())
            .describe('The circuit breaker the instances share, as this instance last read it.'),
    })
    .meta({ id: 'RetryMeter', description: 'ERP calls of one day against the retry budget.' });

export const healthResponseSchema = z
    .object({
        status: z.enum(['ready', 'not ready']).describe('ready once configuration is loaded.'),
        entityMapVersion: z.string().optional().describe('Entity map version.'),
        erpMapVersion: z.string().optional().describe('ERP map version.'),
        reason: z.string().optional().describe('Why not ready.'),
    })
    .meta({ id: 'Health', description: 'Whether the integration is ready.' });
