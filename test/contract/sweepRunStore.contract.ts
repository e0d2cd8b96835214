import { describe, expect, it } from 'vitest';
import type { SweepRunStore } from '../../src/ports/sweepRunStore';
import type { SweepRun } from '../../src/sweep/sweepRun';

let counter = 0;

/** A finished run that started at `startedAt`; every call gets a new id. */
export function sweepRun(startedAt: string, over: Partial<SweepRun> = {}): SweepRun {
    counter++;
    const until = new Date(Date.parse(startedAt)).toISOString();
    return {
        id: `${startedAt.replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')}-${counter.toString(16).padStart(6, '0')}`,
        trigger: 'timer',
        startedAt,
        finishedAt: startedAt,
        window: { since: new Date(Date.parse(startedAt) - 86_400_000).toISOString(), until },
        status: 'complete',
        reads: 3,
        tables: [
            {
                entity: 're_reservation',
                rowsRead: 12,
                replayed: 1,
                alreadyPresent: 11,
                ignored: 0,
                failed: 0,
                pages: 3,
                complete: true,
            },
        ],
        totals: { rowsRead: 12, replayed: 1, alreadyPresent: 11, ignored: 0, failed: 0 },
        replays: [{ entity: 're_reservation', recordId: 'r1', transactionId: 't1', version: '101' }],
        failures: [],
        ...over,
    };
}

/** Behaviours every SweepRunStore must show (Table Storage on Azurite and the in-memory twin), exactly. */
export function sweepRunStoreContract(name: string, factory: () => Promise<SweepRunStore>): void {
    describe(`SweepRunStore contract: ${name}`, () => {
        it('keeps a run by id, and replaces it when saved again (running, then finished)', async () => {
            const store = await factory();
            const run = sweepRun('2026-11-10T18:00:00.000Z', { status: 'running' });
            await store.save(run);
            expect(await store.get(run.id)).toEqual(run);
            const done = { ...run, status: 'complete' as const, finishedAt: '2026-11-10T18:00:09.000Z' };
            await store.save(done);
            expect(await store.get(run.id)).toEqual(done);
            expect(await store.list(10)).toEqual([done]);
            expect(await store.get('2026-01-01T00-00-00Z-000000')).toBeUndefined();
        });

        it('lists the newest runs first, at most max', async () => {
            const store = await factory();
            const days = ['2026-11-08', '2026-11-10', '2026-11-09', '2026-11-11'];
            for (const day of days) await store.save(sweepRun(`${day}T18:00:00.000Z`));
            expect((await store.list(3)).map((r) => r.startedAt.slice(0, 10))).toEqual([
                '2026-11-11',
                '2026-11-10',
                '2026-11-09',
            ]);
            expect(await store.list(0)).toEqual([]);
        });

        it('finds the newest complete run, past newer incomplete, failed and running ones', async () => {
            const store = await factory();
            expect(await store.lastComplete()).toBeUndefined();
            const complete = sweepRun('2026-11-09T18:00:00.000Z');
            await store.save(sweepRun('2026-11-08T18:00:00.000Z'));
            await store.save(complete);
            await store.save(sweepRun('2026-11-10T18:00:00.000Z', { status: 'incomplete' }));
            await store.save(sweepRun('2026-11-11T18:00:00.000Z', { status: 'failed' }));
            await store.save(sweepRun('2026-11-12T18:00:00.000Z', { status: 'running' }));
            expect(await store.lastComplete()).toEqual(complete);
        });

        it('round-trips a run larger than one Table Storage property holds', async () => {
            const store = await factory();
            const replays = Array.from({ length: 100 }, (_, i) => ({
                entity: 're_receipt',
                recordId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
                transactionId: `re_receipt-00000000-0000-4000-8000-${String(i).padStart(12, '0')}-0123456789abcdef01234567`,
                version: String(1000 + i),
                invalid: 're_receipt.re_amount',
            }));
            const failures = Array.from({ length: 100 }, (_, i) => ({
                entity: 're_receipt',
                recordId: String(i),
                reason: `the queue cannot take the transaction: ${'x'.repeat(300)}`,
            }));
            const run = sweepRun('2026-11-13T18:00:00.000Z', { replays, failures });
            expect(JSON.stringify(run).length).toBeGreaterThan(32_768);
            await store.save(run);
            expect(await store.get(run.id)).toEqual(run);
        });
    });
}
