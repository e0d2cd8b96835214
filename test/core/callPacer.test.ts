import { describe, expect, it } from 'vitest';
import { CallPacer, type CallShare, soloShare } from '../../src/core/callPacer';
import { gridFor } from '../../src/core/erpCallGrid';

/**
 * Time that moves only when the code under test sleeps, once everything already due has run (so a released caller
 * sees the time it was released at); `overshoot` makes chosen sleeps wake late.
 */
function fakeTime(start = 0, overshoot: (i: number) => number = () => 0) {
    let now = start;
    const waits: number[] = [];
    return {
        now: () => now,
        sleep: async (ms: number) => {
            waits.push(ms);
            await new Promise((r) => setImmediate(r));
            now += ms + overshoot(waits.length - 1);
        },
        waits,
    };
}

async function releases(pacer: CallPacer, t: { now: () => number }, callers: number): Promise<number[]> {
    const at: number[] = [];
    await Promise.all(Array.from({ length: callers }, () => pacer.acquire().then(() => at.push(t.now()))));
    return at;
}

describe('CallPacer', () => {
    it('lets callers through one per point of the call grid, in arrival order', async () => {
        const t = fakeTime();
        const pacer = new CallPacer(soloShare(10), t);
        expect(await releases(pacer, t, 3)).toEqual([0, 100, 200]);
        // Later alone: a point just past (1,000, up to 25 ms ago) is still its own; one further back is gone.
        for (const [start, releasedAt] of [
            [1_020, 1_020],
            [1_030, 1_100],
        ]) {
            const later = fakeTime(start);
            await new CallPacer(soloShare(10), later).acquire();
            expect(later.now()).toBe(releasedAt);
        }
    });

    it('does not wait without a rate limit', async () => {
        const t = fakeTime();
        const pacer = new CallPacer(soloShare(0), t);
        for (let i = 0; i < 5; i++) await pacer.acquire();
        expect(t.waits).toEqual([]);
    });

    it('holds every caller back for a Retry-After, paced or not', async () => {
        for (const rate of [0, 10]) {
            const t = fakeTime();
            const pacer = new CallPacer(soloShare(rate), t);
            pacer.pause(1500);
            await pacer.acquire();
            expect(t.now()).toBe(1500);
        }
    });

    it('skips a point it woke too late for instead of making it up, so calls never bunch', async () => {
        // The first sleep wakes 80 ms late (a busy event loop): point 100 is gone, the next caller takes point 200.
        const t = fakeTime(0, (i) => (i === 0 ? 80 : 0));
        const pacer = new CallPacer(soloShare(10), t);
        expect(await releases(pacer, t, 3)).toEqual([0, 200, 300]);
        // A little late (up to 25 ms) is still its point.
        const u = fakeTime(0, (i) => (i === 0 ? 20 : 0));
        expect(await releases(new CallPacer(soloShare(10), u), u, 3)).toEqual([0, 120, 200]);
    });

    it('calls only on the lanes of its share', async () => {
        const t = fakeTime();
        const share: CallShare = {
            ...soloShare(10),
            slots: () => ({ grid: gridFor(10), lanes: new Set([1, 33]) }),
        };
        // 64 lanes at 10/s: lane 1 at 0.1 s, lane 33 at 3.3 s, lane 1 again at 6.5 s.
        expect(await releases(new CallPacer(share, t), t, 3)).toEqual([100, 3_300, 6_500]);
    });

    it('fails its waiting callers when it has had no share for too long, and calls again once it has one', async () => {
        const t = fakeTime();
        let lanes = new Set<number>();
        const share: CallShare = { ...soloShare(10), slots: () => ({ grid: gridFor(10), lanes }) };
        const pacer = new CallPacer(share, { ...t, maxWithoutShareMs: 1_000 });
        const failed = await Promise.all([pacer.acquire(), pacer.acquire()].map((p) => p.catch((e: unknown) => e)));
        expect(failed).toEqual([
            expect.objectContaining({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/no share/) }),
            expect.objectContaining({ code: 'STORE_UNAVAILABLE' }),
        ]);
        expect(t.now()).toBe(1_000);
        lanes = new Set([0]);
        await pacer.acquire();
        expect(t.now()).toBe(6_400);
    });
});
