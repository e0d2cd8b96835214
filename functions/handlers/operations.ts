import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { reprocessCondition } from '../../src/core/conditionClearing';
import { probeConditions } from '../../src/core/probeConditions';
import {
    conditionsResponseSchema,
    meterQuerySchema,
    meterResponseSchema,
    reprocessBodySchema,
    reprocessResponseSchema,
} from '../api/operationsSchemas';
import { jsonOf } from '../api/typedJson';
import { queryObject } from '../api/zodProblem';
import { type Actor, actingAs } from '../auth/operatorAccess';
import type { ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';
import { problem } from './jsonResponse';

/** GET /api/conditions: what transactions wait on, since when, who owns it, and how many units are parked. */
export function createConditionsHandler(services: ServicesProvider) {
    return async (): Promise<HttpResponseInit> => {
        const s = await services();
        const now = s.clock.now().getTime();
        const active = await s.conditions.listActive();
        const conditions = await Promise.all(
            active.map(async (c) => ({
                ...c,
                parkedUnits: (await s.conditions.parkedSessions(c.key)).length,
                ageMinutes: Math.floor((now - Date.parse(c.since)) / 60_000),
            })),
        );
        return jsonOf(conditionsResponseSchema, 200, { conditions });
    };
}

/**
 * POST /api/conditions/reprocess {condition}: an operator releases everything parked under a condition now. The
 * answer's `by` is the signed-in actor; the reason the units are sent (and logged) names the actor's object id.
 */
export function createReprocessHandler(services: ServicesProvider) {
    return async (request: HttpRequest, context: InvocationContext, actor: Actor): Promise<HttpResponseInit> => {
        const parsed = reprocessBodySchema.safeParse(await request.json().catch(() => undefined));
        if (!parsed.success)
            return problem(400, 'INVALID_BODY', 'expected {"condition": "..."}', {
                field: parsed.error.issues[0]?.path.join('.') ?? '',
            });
        const s = await services();
        const existing = await s.conditions.get(parsed.data.condition);
        if (!existing) return problem(404, 'NOT_FOUND', `no condition "${parsed.data.condition}"`);
        const result = await reprocessCondition(
            parsed.data.condition,
            { ...s, logger: contextLogger(context) },
            `operator ${actor.id}`,
        );
        return jsonOf(reprocessResponseSchema, 202, {
            condition: parsed.data.condition,
            reprocessedUnits: result.sessions,
            by: actingAs(actor, parsed.data.by),
        });
    };
}

/** GET /api/meter?day=YYYY-MM-DD: ERP calls of the day, first attempts apart from retries, against the budget. */
export function createMeterHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const s = await services();
        const query = meterQuerySchema.safeParse(queryObject(request.query));
        if (!query.success) return problem(400, 'INVALID_QUERY', 'day must be YYYY-MM-DD', { field: 'day' });
        const day = query.data.day ?? s.clock.now().toISOString().slice(0, 10);
        const meter = await s.meter.read(day);
        return jsonOf(meterResponseSchema, 200, {
            ...meter,
            retryBudget: s.retryPolicy.dailyRetryBudget,
            retryBudgetUsed: meter.retries / Math.max(1, s.retryPolicy.dailyRetryBudget),
            breaker: s.breaker.snapshot,
        });
    };
}

/** Timer: probes frozen periods and an ERP outage once per interval, and reprocesses what cleared. */
export function createProbeHandler(services: ServicesProvider) {
    return async (_timer: unknown, context: InvocationContext): Promise<void> => {
        const s = await services();
        const report = await probeConditions({
            ...s,
            logger: contextLogger(context),
            probeIntervalMs: s.retryPolicy.probeIntervalMs,
            activePlanGraceMs: s.retryPolicy.activePlanGraceMs,
        });
        if (report.probed.length > 0 || report.cleared.length > 0) context.log(`probe ${JSON.stringify(report)}`);
    };
}
