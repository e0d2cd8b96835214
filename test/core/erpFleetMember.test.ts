import { describe, expect, it } from 'vitest';
import { MemoryErpFleetStateStore } from '../../src/adapters/memory/memoryErpFleetStateStore';
import { CallPacer } from '../../src/core/callPacer';
import { ErpFleetMember } from '../../src/core/erpFleetMember';
import type { ErpFleetState, ErpFleetStateStore } from '../../src/ports/erpFleetState';
import { StoreUnavailableError } from '../../src/ports/storeErrors';
import { VirtualTime } from '../support/virtualTime';

/** The shared store as one instance reaches it: `cutOff` makes every read and write fail (a network partition). */
class Reach implements ErpFleetStateStore {
    cutOff = false;
    constructor(private readonly shared: ErpFleetStateStore) {}
    read() {
        return this.cutOff ? Promise.reject(new StoreUnavailableError('cut off')) : this.shared.read();
    }
    update(change: (s: ErpFleetState) => ErpFleetState | undefined) {
        return this.cutOff ? Promise.reject(new StoreUnavailableError('cut off')) : this.shared.update(change);
    }
}

interface Instance {
    id: string;
    member: ErpFleetMember;
    pacer: CallPacer;
    reach: Reach;
    /** When each of its callers was let through to the ERP. */
    calls: number[];
    callers: number;
}

/** A fleet of instances on one shared store in virtual time, each with its own member, pacer and callers. */
function fleet(time: VirtualTime, rate = 40) {
    const shared = new MemoryErpFleetStateStore();
    const instances: Instance[] = [];
    return {
        shared,
        instances,
        /** Starts an instance whose `callers` loop: wait for a slot, call (`workMs`), until `until`. */
        start(callers: number, until: number, workMs = 20): Instance {
            const reach = new Reach(shared);
            const id = `i${instances.length}`;
            const member = new ErpFleetMember(reach, rate, { id, now: time.clock, sleep: time.sleep });
            const instance: Instance = {
                id,
                member,
                reach,
                pacer: new CallPacer(member, { now: time.clock, sleep: time.sleep }),
                calls: [],
                callers,
            };
            instances.push(instance);
            for (let c = 0; c < callers; c++) {
                void (async () => {
                    while (time.now < until && instance.callers > c) {
                        await instance.pacer.acquire();
                        instance.calls.push(time.now);
                        await time.sleep(workMs);
                    }
                })();
            }
            return instance;
        },
    };
}

/** The most calls let through within any one second (sliding, half-open), as the ERP's limiter would count them. */
function peakPerSecond(calls: number[]): number {
    const sorted = [...calls].sort((a, b) => a - b);
    let peak = 0;
    for (let to = 0, from = 0; to < sorted.length; to++) {
        while ((sorted[to] ?? 0) - (sorted[from] ?? 0) >= 1000) from++;
        peak = Math.max(peak, to - from + 1);
    }
    return peak;
}

const between = (calls: number[], from: number, to: number) => calls.filter((t) => t >= from && t < to).length;
const everyCall = (instances: Instance[]) => instances.flatMap((i) => i.calls);

describe('a fleet sharing one ERP limit (virtual time)', () => {
    it('8 instances joining one after another keep every second within 40 calls and use nearly all of it', async () => {
        const time = new VirtualTime(1_000_000);
        const f = fleet(time);
        const end = time.now + 30_000;
        for (let i = 0; i < 8; i++) {
            f.start(16, end);
            await time.runUntil(time.now + 300);
        }
        await time.runUntil(end);
        const calls = everyCall(f.instances);
        expect(peakPerSecond(calls)).toBeLessThanOrEqual(40);
        // Once all have joined and settled (the last joined at 2.4 s), ≥ 95 % of the limit is used.
        expect(between(calls, end - 25_000, end)).toBeGreaterThanOrEqual(0.95 * 40 * 25);
        // Shared fairly: each instance made about an eighth of the calls of the last 10 s.
        for (const i of f.instances) expect(between(i.calls, end - 10_000, end) / 400).toBeCloseTo(1 / 8, 1);
    });

    it('stays within 42 calls a second (5 %) when timers fire up to 20 ms late', async () => {
        // Every third wake-up late by 0–19 ms, as on a busy event loop.
        const time = new VirtualTime(2_000_000, (seq) => (seq % 3 === 0 ? (seq * 7) % 20 : 0));
        const f = fleet(time);
        const end = time.now + 20_000;
        for (let i = 0; i < 8; i++) f.start(16, end);
        await time.runUntil(end);
        const calls = everyCall(f.instances);
        expect(peakPerSecond(calls)).toBeLessThanOrEqual(42);
        expect(between(calls, end - 15_000, end)).toBeGreaterThanOrEqual(0.9 * 40 * 15);
    });

    it('an instance cut off from the shared state stops when its claim runs out; the others take its share', async () => {
        const time = new VirtualTime(3_000_000);
        const f = fleet(time);
        const start = time.now;
        const end = start + 40_000;
        for (let i = 0; i < 4; i++) f.start(16, end);
        await time.runUntil(start + 10_000);
        const lost = f.instances[0] as Instance;
        lost.reach.cutOff = true;
        const claimEnd = (f.shared as MemoryErpFleetStateStore) && (await f.shared.read()).members.i0?.expiresAt;
        await time.runUntil(end);
        // It went on calling on its lanes (nobody else held them) until 1 s before its claim ran out, then stopped
        // (its waiting callers fail once it has had no share for 30 s).
        expect(between(lost.calls, start + 10_000, (claimEnd ?? 0) - 1_000)).toBeGreaterThan(0);
        expect(between(lost.calls, (claimEnd ?? 0) - 1_000, end)).toBe(0);
        const calls = everyCall(f.instances);
        expect(peakPerSecond(calls)).toBeLessThanOrEqual(40);
        // Its lanes came back (after its claim's end plus the 1 s margin) and the other three use the whole limit.
        expect(between(calls, (claimEnd ?? 0) + 2_000, end)).toBeGreaterThanOrEqual(
            0.95 * 40 * ((end - (claimEnd ?? 0) - 2_000) / 1000),
        );
    });

    it("a 429's Retry-After on one instance pauses every instance within one read of the shared state", async () => {
        const time = new VirtualTime(4_000_000);
        const f = fleet(time);
        const end = time.now + 12_000;
        for (let i = 0; i < 4; i++) f.start(16, end);
        await time.runUntil(time.now + 5_000);
        const at = time.now;
        (f.instances[2] as Instance).pacer.pause(2_000);
        await time.runUntil(end);
        expect(between((f.instances[2] as Instance).calls, at, at + 2_000)).toBe(0);
        // The others read every 250 ms: nothing from anyone after that, until the Retry-After has passed.
        expect(between(everyCall(f.instances), at + 250, at + 2_000)).toBe(0);
        expect(between(everyCall(f.instances), at + 2_000, at + 3_000)).toBeGreaterThan(30);
    });

    it('an idle instance gives its lanes back and stops reading; the busy ones take them', async () => {
        const time = new VirtualTime(5_000_000);
        const f = fleet(time);
        const end = time.now + 20_000;
        const busy = f.start(16, end);
        const quiet = f.start(16, time.now + 5_000);
        await time.runUntil(time.now + 5_000);
        expect(Object.keys((await f.shared.read()).members).sort()).toEqual([busy.id, quiet.id]);
        await time.runUntil(time.now + 4_000);
        expect(Object.keys((await f.shared.read()).members)).toEqual([busy.id]);
        expect((await f.shared.read()).members[busy.id]?.lanes).toHaveLength(64);
        await time.runUntil(end);
        expect(between(busy.calls, end - 10_000, end)).toBeGreaterThanOrEqual(0.98 * 400);
    });

    it('a modest instance keeps about what it uses and the hungry one gets the rest', async () => {
        const time = new VirtualTime(6_000_000);
        const f = fleet(time);
        const end = time.now + 20_000;
        const hungry = f.start(16, end);
        // One caller that works 500 ms between calls: at most 2 calls a second, less the wait for its next slot.
        const modest = f.start(1, end, 500);
        await time.runUntil(end);
        // It waits for its few lanes' points between calls (about 0.7 calls a second), but is never starved.
        const modestCalls = between(modest.calls, end - 10_000, end);
        expect(modestCalls).toBeGreaterThanOrEqual(5);
        // Not half the limit for the hungry one, as an even split would give: what the modest one leaves.
        expect(between(hungry.calls, end - 10_000, end)).toBeGreaterThanOrEqual(0.9 * (400 - modestCalls));
        expect(peakPerSecond(everyCall(f.instances))).toBeLessThanOrEqual(40);
    });

    it('writes no claim without a limit, yet shares a Retry-After', async () => {
        const time = new VirtualTime(7_000_000);
        const f = fleet(time, 0);
        const end = time.now + 5_000;
        const [a, b] = [f.start(2, end), f.start(2, end)];
        await time.runUntil(time.now + 1_000);
        expect((await f.shared.read()).members).toEqual({});
        const at = time.now;
        a.pacer.pause(1_000);
        await time.runUntil(end);
        // b reads the shared state every 250 ms while it calls, with or without a limit.
        expect(between(b.calls, at + 250, at + 1_000)).toBe(0);
        expect(between(b.calls, at + 1_000, end)).toBeGreaterThan(0);
    });
});
