import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { buildDailySummary, sendDailySummary } from '../../src/notifications/dailySummary';
import { jsonOf } from '../api/typedJson';
import type { Services, ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';
import { problem } from './jsonResponse';

const count = z.number().int().min(0);
const rate = z.number().min(0);
export const summaryResponseSchema = z.object({
    date: z.string(),
    generatedAt: z.string(),
    transactions: z.object({
        total: count,
        byType: z.record(z.string(), z.object({ total: count, byOutcome: z.record(z.string(), count) })),
    }),
    failureRateByClass: z.object({ transient: rate, defect: rate, blocked: rate, duplicate: rate }),
    parked: z.array(
        z.object({
            condition: z.string(),
            owner: z.string(),
            since: z.string(),
            ageMinutes: count,
            parkedUnits: count,
        }),
    ),
    reviewQueue: z.object({
        size: count,
        deadLettered: count,
        oldest: z.object({ transactionId: z.string(), type: z.string(), since: z.string() }).optional(),
    }),
    retryMeter: z.object({
        erpCalls: count,
        firstAttempts: count,
        retries: count,
        probes: count,
        budget: count,
        budgetUsed: rate,
    }),
    sweep: z
        .object({
            id: z.string(),
            status: z.enum(['running', 'complete', 'incomplete', 'failed']),
            startedAt: z.string(),
            window: z.object({ since: z.string(), until: z.string() }),
            totals: z.object({
                rowsRead: count,
                replayed: count,
                alreadyPresent: count,
                ignored: count,
                failed: count,
            }),
            incompleteTables: z.array(z.string()),
        })
        .optional()
        .describe('The last sweep for missed Dataverse events by the end of the date; absent when none ran.'),
    truncated: z.boolean(),
});

const summaryDeps = (s: Services) => ({
    ...s,
    dailyRetryBudget: s.retryPolicy.dailyRetryBudget,
    sweepRuns: s.sweep.runs,
});

/** GET /api/summary?date=YYYY-MM-DD (default today, UTC): the end-of-day figures as JSON. */
export function createSummaryHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const s = await services();
        const date = request.query.get('date') ?? s.clock.now().toISOString().slice(0, 10);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
            return problem(400, 'INVALID_QUERY', 'date must be a calendar date YYYY-MM-DD', { field: 'date' });
        }
        return jsonOf(summaryResponseSchema, 200, await buildDailySummary(summaryDeps(s), date));
    };
}

/** Timer (SUMMARY_SCHEDULE): sends the summary of the UTC date it runs on to the registry's summary contacts. */
export function createSummaryTimerHandler(services: ServicesProvider) {
    return async (_timer: unknown, context: InvocationContext): Promise<void> => {
        const s = await services();
        const date = s.clock.now().toISOString().slice(0, 10);
        const result = await sendDailySummary(
            { ...summaryDeps(s), ...s.notifications, notifier: s.notifier, logger: contextLogger(context) },
            date,
        );
        context.log(`daily summary ${date}: sent ${result.sent.length}, failed ${result.failed.length}`);
    };
}
