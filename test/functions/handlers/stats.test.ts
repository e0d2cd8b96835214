import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { createStatsHandler } from '../../../functions/handlers/stats';
import { envelope } from '../../contract/transactionStore.contract';
import { anyState } from '../../support/anyState';
import { memoryServices } from '../../support/memoryServices';

const get = (query: string) => new HttpRequest({ method: 'GET', url: `http://localhost/api/stats${query}` });

describe('stats handler', () => {
    it('answers the aggregate over the store, 48 hourly and 14 daily buckets by default', async () => {
        const s = memoryServices();
        const e = envelope({ acceptedAt: '2026-11-10T08:00:00.000Z' });
        await s.store.recordAccepted(e, e.acceptedAt);
        await s.store.updateState(e.transactionId, { from: anyState, state: 'review' }, '2026-11-10T08:30:00.000Z');
        const res = await createStatsHandler(async () => s)(get(''));
        expect(res.status).toBe(200);
        const body = res.jsonBody as { open: { review: number }; hourly: unknown[]; daily: unknown[] };
        expect(body.open.review).toBe(1);
        expect(body.hourly).toHaveLength(48);
        expect(body.daily).toHaveLength(14);
    });

    it('takes hours and days from the query', async () => {
        const res = await createStatsHandler(async () => memoryServices())(get('?hours=6&days=3'));
        const body = res.jsonBody as { hourly: unknown[]; daily: unknown[] };
        expect([body.hourly.length, body.daily.length]).toEqual([6, 3]);
    });

    it.each(['?hours=0', '?hours=abc', '?hours=745', '?days=91', '?days=1.5'])(
        'refuses %s naming the field',
        async (q) => {
            const res = await createStatsHandler(async () => memoryServices())(get(q));
            expect(res.status).toBe(400);
            expect((res.jsonBody as { error: { field: string } }).error.field).toBe(q.slice(1).split('=')[0]);
        },
    );
});
