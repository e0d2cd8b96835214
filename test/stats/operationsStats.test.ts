import { describe, expect, it } from 'vitest';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import type { Failure } from '../../src/domain/failure';
import type { TransactionState } from '../../src/domain/transactionRecord';
import { computeOperationsStats } from '../../src/stats/operationsStats';
import { envelope } from '../contract/transactionStore.contract';
import { anyState } from '../support/anyState';

const now = new Date('2026-11-10T12:30:00.000Z');
const frozen: Failure = { class: 'blocked', code: 'ERP_PERIOD_FROZEN', message: 'frozen', owner: 'finance' };
const missing: Failure = { class: 'defect', code: 'LOOKUP_MISSING', message: 'no row', owner: 'integration' };

async function storeWith(
    rows: { state: TransactionState; acceptedAt: string; updatedAt: string; failure?: Failure; id?: string }[],
) {
    const store = new MemoryTransactionStore();
    for (const [i, r] of rows.entries()) {
        const e = envelope({ transactionId: r.id ?? `t-${i}`, acceptedAt: r.acceptedAt });
        await store.recordAccepted(e, r.acceptedAt);
        if (r.state !== 'queued')
            await store.updateState(
                e.transactionId,
                { from: anyState, state: r.state, ...(r.failure ? { lastFailure: r.failure } : {}) },
                r.updatedAt,
            );
    }
    return store;
}

describe('computeOperationsStats', () => {
    it('counts open states however old, and the window by state', async () => {
        const store = await storeWith([
            {
                state: 'parked',
                acceptedAt: '2026-10-01T00:00:00.000Z',
                updatedAt: '2026-10-01T00:01:00.000Z',
                failure: frozen,
            },
            { state: 'confirmed', acceptedAt: '2026-11-10T10:00:00.000Z', updatedAt: '2026-11-10T10:00:02.000Z' },
            { state: 'confirmed', acceptedAt: '2026-10-01T00:00:00.000Z', updatedAt: '2026-10-01T00:00:05.000Z' },
            {
                state: 'review',
                acceptedAt: '2026-11-10T11:00:00.000Z',
                updatedAt: '2026-11-10T11:05:00.000Z',
                failure: missing,
            },
        ]);
        const stats = await computeOperationsStats(store, now, { hours: 48, days: 14 });
        expect(stats.open.parked).toBe(1);
        expect(stats.open.review).toBe(1);
        expect(stats.open.queued).toBe(0);
        // The October confirmation is outside the 14-day window; the October parking is open, so it still counts.
        expect(stats.window).toEqual({ confirmed: 1, review: 1 });
        expect(stats.truncated).toBe(false);
    });

    it('groups open failures by class and owner, largest first, ignoring closed ones', async () => {
        const at = '2026-11-10T09:00:00.000Z';
        const store = await storeWith([
            { state: 'parked', acceptedAt: at, updatedAt: at, failure: frozen },
            { state: 'parked', acceptedAt: at, updatedAt: at, failure: frozen },
            { state: 'review', acceptedAt: at, updatedAt: at, failure: missing },
            { state: 'discarded', acceptedAt: at, updatedAt: at, failure: missing },
        ]);
        const stats = await computeOperationsStats(store, now, { hours: 2, days: 1 });
        expect(stats.failures).toEqual([
            { class: 'blocked', owner: 'finance', count: 2 },
            { class: 'defect', owner: 'integration', count: 1 },
        ]);
    });

    it('puts each transaction in the hour and day of its last change, by outcome', async () => {
        const store = await storeWith([
            { state: 'confirmed', acceptedAt: '2026-11-10T12:00:00.000Z', updatedAt: '2026-11-10T12:10:00.000Z' },
            { state: 'confirmed', acceptedAt: '2026-11-10T11:00:00.000Z', updatedAt: '2026-11-10T11:59:59.999Z' },
            {
                state: 'parked',
                acceptedAt: '2026-11-10T11:00:00.000Z',
                updatedAt: '2026-11-10T11:30:00.000Z',
                failure: frozen,
            },
            {
                state: 'review',
                acceptedAt: '2026-11-09T08:00:00.000Z',
                updatedAt: '2026-11-09T08:00:00.000Z',
                failure: missing,
            },
            { state: 'queued', acceptedAt: '2026-11-10T12:29:00.000Z', updatedAt: '2026-11-10T12:29:00.000Z' },
        ]);
        const stats = await computeOperationsStats(store, now, { hours: 3, days: 2 });
        expect(stats.hourly.map((b) => [b.start, b.done, b.waiting, b.failed, b.other])).toEqual([
            ['2026-11-10T10:00:00.000Z', 0, 0, 0, 0],
            ['2026-11-10T11:00:00.000Z', 1, 1, 0, 0],
            ['2026-11-10T12:00:00.000Z', 1, 0, 0, 1],
        ]);
        expect(stats.daily.map((b) => [b.start, b.done, b.waiting, b.failed, b.other])).toEqual([
            ['2026-11-09T00:00:00.000Z', 0, 0, 1, 0],
            ['2026-11-10T00:00:00.000Z', 2, 1, 0, 1],
        ]);
        expect(stats.since).toBe('2026-11-09T00:00:00.000Z');
    });

    it('measures acceptance → confirmation and names the oldest parked transaction with its age', async () => {
        const store = await storeWith([
            { state: 'confirmed', acceptedAt: '2026-11-10T12:00:00.000Z', updatedAt: '2026-11-10T12:00:01.000Z' },
            { state: 'confirmed', acceptedAt: '2026-11-10T12:00:00.000Z', updatedAt: '2026-11-10T12:00:03.000Z' },
            { state: 'confirmed', acceptedAt: '2026-11-10T12:00:00.000Z', updatedAt: '2026-11-10T12:00:10.000Z' },
            {
                id: 'late',
                state: 'parked',
                acceptedAt: '2026-11-10T12:00:00.000Z',
                updatedAt: '2026-11-10T12:20:00.000Z',
                failure: frozen,
            },
            {
                id: 'early',
                state: 'parked',
                acceptedAt: '2026-11-10T12:05:00.000Z',
                updatedAt: '2026-11-10T10:00:00.000Z',
                failure: frozen,
            },
        ]);
        const stats = await computeOperationsStats(store, now, { hours: 24, days: 1 });
        expect(stats.latency).toEqual({ confirmed: 3, p50Ms: 3000, p95Ms: 10000 });
        expect(stats.oldestParked).toEqual({
            transactionId: 'early',
            since: '2026-11-10T10:00:00.000Z',
            ageMinutes: 150,
        });
    });

    it('says when a listing hit its cap, so the counts are lower bounds', async () => {
        const at = '2026-11-10T12:00:00.000Z';
        const store = await storeWith([
            { state: 'parked', acceptedAt: at, updatedAt: at, failure: frozen },
            { state: 'parked', acceptedAt: at, updatedAt: at, failure: frozen },
        ]);
        expect((await computeOperationsStats(store, now, { hours: 1, days: 1, max: 2 })).truncated).toBe(true);
        expect((await computeOperationsStats(store, now, { hours: 1, days: 1, max: 3 })).truncated).toBe(false);
        expect((await computeOperationsStats(store, now, { hours: 1, days: 1 })).latency).toEqual({ confirmed: 0 });
    });
});
