import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { computeOperationsStats } from '../../src/stats/operationsStats';
import type { ServicesProvider } from '../services';
import { json, problem } from './jsonResponse';

const limits = { hours: { default: 48, max: 24 * 31 }, days: { default: 14, max: 90 } } as const;

/**
 * GET /api/stats?hours=48&days=14: live counts of open states, open failures by class and owner, the oldest parked
 * transaction, acceptance → confirmation latency, and hourly and daily buckets by outcome (the console's charts).
 */
export function createStatsHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const window: { hours: number; days: number } = { hours: limits.hours.default, days: limits.days.default };
        for (const name of ['hours', 'days'] as const) {
            const raw = request.query.get(name);
            if (raw === null) continue;
            const value = Number(raw);
            if (!/^\d+$/.test(raw) || value < 1 || value > limits[name].max)
                return problem(400, 'INVALID_QUERY', `${name} must be a whole number from 1 to ${limits[name].max}`, {
                    field: name,
                });
            window[name] = value;
        }
        const s = await services();
        return json(200, await computeOperationsStats(s.store, s.clock.now(), window));
    };
}
