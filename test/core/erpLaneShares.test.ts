import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gridFor, laneOrder, nextPoint, pointAt } from '../../src/core/erpCallGrid';
import { type MembershipTerms, maxMinShares, planMembership } from '../../src/core/erpLaneShares';
import { type ErpFleetState, emptyFleetState } from '../../src/ports/erpFleetState';

const terms = (me: string, now: number, wants: number, rate = 40): MembershipTerms => ({
    me,
    configuredRatePerSec: rate,
    now,
    wants,
    ttlMs: 10_000,
    renewBeforeMs: 6_000,
    skewMarginMs: 1_000,
});

/** Applies a plan as a compare-and-set write would: the state it was made on is the one it replaces. */
function look(state: ErpFleetState, t: MembershipTerms): { state: ErpFleetState; lanes: number[]; wrote: boolean } {
    const plan = planMembership(state, t);
    return { state: plan.next ?? state, lanes: plan.lanes, wrote: plan.next !== undefined };
}

describe('the call grid', () => {
    it('puts point k at k/rate seconds and finds the next point of a lane set', () => {
        const grid = gridFor(40);
        expect(grid).toEqual({ ratePerSec: 40, lanes: 64 });
        expect(pointAt(grid, 3)).toBe(75);
        expect(nextPoint(grid, 'all', 51)).toEqual({ k: 3, at: 75 });
        expect(nextPoint(grid, 'all', 75)).toEqual({ k: 3, at: 75 });
        // Lane 1 next comes at point 65 (64 lanes), 1,625 ms.
        expect(nextPoint(grid, new Set([1]), 26)).toEqual({ k: 65, at: 1625 });
        expect(nextPoint(grid, new Set(), 0)).toBeUndefined();
        expect(gridFor(250).lanes).toBe(250);
    });

    it('orders lanes so that any first n of them lie spread over the cycle', () => {
        expect(laneOrder(8)).toEqual([0, 4, 2, 6, 1, 5, 3, 7]);
        expect(laneOrder(5)).toEqual([0, 4, 2, 1, 3]);
        expect(new Set(laneOrder(64)).size).toBe(64);
    });
});

describe('maxMinShares', () => {
    it('splits evenly among the hungry, odd lanes to the first ids, and never over what one wants', () => {
        expect(
            maxMinShares(
                64,
                new Map([
                    ['b', 64],
                    ['a', 64],
                    ['c', 64],
                ]),
            ),
        ).toEqual(
            new Map([
                ['a', 22],
                ['b', 21],
                ['c', 21],
            ]),
        );
        expect(
            maxMinShares(
                64,
                new Map([
                    ['a', 64],
                    ['b', 2],
                    ['c', 64],
                ]),
            ),
        ).toEqual(
            new Map([
                ['b', 2],
                ['a', 31],
                ['c', 31],
            ]),
        );
        expect(
            maxMinShares(
                10,
                new Map([
                    ['a', 1],
                    ['b', 2],
                ]),
            ),
        ).toEqual(
            new Map([
                ['a', 1],
                ['b', 2],
            ]),
        );
    });

    it('never hands out more than the total, and gives each either its want or at least an even share', () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 300 }),
                fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 400 })),
                (total, wants) => {
                    const shares = maxMinShares(total, new Map(Object.entries(wants)));
                    const given = [...shares.values()].reduce((a, b) => a + b, 0);
                    expect(given).toBeLessThanOrEqual(total);
                    const n = Object.keys(wants).length;
                    for (const [id, want] of Object.entries(wants)) {
                        const share = shares.get(id) ?? 0;
                        expect(share).toBeLessThanOrEqual(Math.min(want, total));
                        if (share < Math.min(want, total)) expect(share).toBeGreaterThanOrEqual(Math.floor(total / n));
                    }
                    // Work-conserving: lanes are left over only when everyone has what it wants.
                    if (given < total)
                        for (const [id, want] of Object.entries(wants)) expect(shares.get(id)).toBe(want);
                },
            ),
        );
    });
});

describe('planMembership', () => {
    it('lets a joiner take only unclaimed lanes, then holders shrink to the fair share and the joiner grows', () => {
        let s = emptyFleetState();
        const a1 = look(s, terms('a', 0, 64));
        s = a1.state;
        expect(a1.lanes).toHaveLength(64);
        const b1 = look(s, terms('b', 10, 64));
        s = b1.state;
        expect(b1.lanes).toEqual([]);
        const a2 = look(s, terms('a', 20, 64));
        s = a2.state;
        expect(a2.lanes).toHaveLength(32);
        const b2 = look(s, terms('b', 30, 64));
        s = b2.state;
        expect(b2.lanes).toHaveLength(32);
        // Interleaved: b holds the odd lanes a gave back last (bit-reversed order).
        expect(b2.lanes.every((l) => l % 2 === 1)).toBe(true);
        expect(new Set([...a2.lanes, ...b2.lanes]).size).toBe(64);
    });

    it('writes nothing while the claim is as it should be, and renews it before it runs out', () => {
        let s = look(emptyFleetState(), terms('a', 0, 64)).state;
        expect(look(s, terms('a', 3_000, 64)).wrote).toBe(false);
        const renewed = look(s, terms('a', 4_500, 64));
        expect(renewed.wrote).toBe(true);
        s = renewed.state;
        expect(s.members.a?.expiresAt).toBe(14_500);
    });

    it("frees a dead instance's lanes once its claim has run out plus the clock margin", () => {
        let s = look(emptyFleetState(), terms('a', 0, 64)).state;
        s = look(s, terms('b', 0, 64)).state;
        expect(look(s, terms('b', 10_999, 64)).lanes).toEqual([]);
        const later = look(s, terms('b', 11_000, 64));
        expect(later.lanes).toHaveLength(64);
        expect(Object.keys(later.state.members)).toEqual(['b']);
    });

    it('gives every lane back when the instance leaves', () => {
        let s = look(emptyFleetState(), terms('a', 0, 64)).state;
        s = look(s, terms('a', 100, 0)).state;
        expect(s.members).toEqual({});
        expect(look(s, terms('b', 200, 64)).lanes).toHaveLength(64);
    });

    it('gives what a modest instance does not want to the hungry one', () => {
        let s = look(emptyFleetState(), terms('a', 0, 64)).state;
        s = look(s, terms('b', 0, 4)).state;
        s = look(s, terms('a', 10, 64)).state;
        const b = look(s, terms('b', 20, 4));
        expect(b.lanes).toHaveLength(4);
        expect(look(b.state, terms('a', 30, 64)).lanes).toHaveLength(60);
    });

    it('keeps the grid in force while an instance configured for it lives, then switches once its claims ran out', () => {
        let s = look(emptyFleetState(), terms('old', 0, 64, 40)).state;
        s = look(s, terms('n1', 100, 64, 20)).state;
        s = look(s, terms('old', 200, 64, 40)).state;
        const follower = look(s, terms('n2', 300, 64, 20));
        s = follower.state;
        expect(s.grid).toMatchObject({ ratePerSec: 40, lanes: 64 });
        s = look(s, terms('n1', 400, 64, 20)).state;
        s = look(s, terms('n2', 10_000, 64, 20)).state;
        // The old instance dies. n1 writes the new grid; it is usable once n2's claim on the old grid (renewed at
        // 10 s, for 10 s) could have run out, plus the margin: n2 may not hear of the switch before.
        const switched = look(s, terms('n1', 11_201, 64, 20));
        expect(switched.state.grid).toEqual({ ratePerSec: 20, lanes: 64, since: 20_000 + 1_000 });
        expect(switched.state.members.n2?.lanes).toEqual([]);
        expect(switched.lanes).toHaveLength(32);
    });
});

/**
 * The share scheme under any interleaving: instances join, look (plan and write) with any wants, get cut off from the
 * shared state (they go on calling on what they believe they hold, up to their own claim's end), die, and their clocks
 * differ by up to the margin. Every stretch of time in which an instance believes it may use a lane is recorded in
 * real time; no two instances' stretches may share a lane at the same moment, nor use two grids at once.
 */
describe('no lane is ever used by two instances at once (property)', () => {
    type Stretch = { id: string; rate: number; lanes: Set<number>; from: number; until: number };
    const margin = 1_000;
    const command = fc.oneof(
        {
            weight: 4,
            arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4_000 }) }),
        },
        {
            weight: 8,
            arbitrary: fc.record({
                kind: fc.constant('look' as const),
                who: fc.integer({ min: 0, max: 4 }),
                wants: fc.oneof(fc.constant(64), fc.integer({ min: 0, max: 64 })),
            }),
        },
        {
            weight: 1,
            arbitrary: fc.record({ kind: fc.constant('cutOff' as const), who: fc.integer({ min: 0, max: 4 }) }),
        },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('die' as const), who: fc.integer({ min: 0, max: 4 }) }) },
    );

    type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

    /** Runs the commands on five instances with these clock offsets and limits; fails on a lane used twice at once. */
    function runFleet(offsets: number[], rates: number[], commands: Command[]): { switches: number } {
        let state = emptyFleetState();
        let t = 1_000_000;
        let switches = 0;
        const status = Array.from({ length: 5 }, () => 'up' as 'up' | 'cutOff' | 'dead');
        const open = new Map<string, Stretch>();
        const closed: Stretch[] = [];
        const end = (id: string, at: number) => {
            const s = open.get(id);
            if (!s) return;
            open.delete(id);
            closed.push({ ...s, until: Math.min(s.until, at) });
        };
        for (const c of commands) {
            if (c.kind === 'advance') t += c.ms;
            else if (c.kind === 'die') {
                status[c.who] = 'dead';
                end(`i${c.who}`, t);
            } else if (c.kind === 'cutOff') {
                if (status[c.who] === 'up') status[c.who] = 'cutOff';
            } else if (status[c.who] === 'up') {
                const id = `i${c.who}`;
                const offset = offsets[c.who] ?? 0;
                const plan = planMembership(state, terms(id, t + offset, c.wants, rates[c.who] ?? 40));
                if (plan.next?.grid && state.grid && plan.next.grid.ratePerSec !== state.grid.ratePerSec) switches++;
                state = plan.next ?? state;
                end(id, t);
                const grid = state.grid;
                const claim = state.members[id];
                if (grid && claim && plan.lanes.length > 0) {
                    // In real time: from the grid's start (by this clock) to the claim's end less the margin.
                    const from = Math.max(t, grid.since - offset);
                    const until = claim.expiresAt - margin - offset;
                    if (until > from)
                        open.set(id, { id, rate: grid.ratePerSec, lanes: new Set(plan.lanes), from, until });
                }
            }
        }
        for (const id of [...open.keys()]) end(id, Number.POSITIVE_INFINITY);
        for (const [i, a] of closed.entries()) {
            for (const b of closed.slice(i + 1)) {
                if (a.id === b.id || a.until <= b.from || b.until <= a.from) continue;
                if (a.rate !== b.rate) throw new Error(`${a.id} and ${b.id} called on two grids at once`);
                const shared = [...a.lanes].filter((l) => b.lanes.has(l));
                expect(shared, `${a.id} and ${b.id} both held lanes ${shared.join(',')}`).toEqual([]);
            }
        }
        // And the claims in the state never overlap.
        const all = Object.values(state.members).flatMap((m) => m.lanes);
        expect(new Set(all).size).toBe(all.length);
        return { switches };
    }

    const offsets = fc.array(fc.integer({ min: -margin, max: margin }), { minLength: 5, maxLength: 5 });

    it('holds for 5 instances, two configured limits, skewed clocks, cut-offs and deaths', () => {
        fc.assert(
            fc.property(
                offsets,
                fc.array(fc.constantFrom(40, 20), { minLength: 5, maxLength: 5 }),
                fc.array(command, { minLength: 1, maxLength: 120 }),
                (skew, rates, commands) => void runFleet(skew, rates, commands),
            ),
            { numRuns: 400 },
        );
    });

    it('holds through a change of the limit: the last instance on the old one dies while the others hold lanes', () => {
        let switched = 0;
        const joinAll = [0, 1, 2, 3, 4].map((who) => ({ kind: 'look' as const, who, wants: 64 }));
        fc.assert(
            fc.property(offsets, fc.array(command, { minLength: 20, maxLength: 120 }), (skew, commands) => {
                const plan = [...joinAll, ...joinAll, { kind: 'die' as const, who: 0 }, ...commands];
                switched += runFleet(skew, [40, 20, 20, 20, 20], plan).switches;
            }),
            { numRuns: 300 },
        );
        // The generator must reach what it is for.
        expect(switched).toBeGreaterThan(50);
    });

    it('converges: hungry instances that look in any order hold every lane, evenly, by their third look', () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 40 }),
                fc.array(fc.nat(), { minLength: 80, maxLength: 80 }),
                (n, order) => {
                    let state = emptyFleetState();
                    const held = new Map<string, number[]>();
                    for (let round = 0; round < 3; round++) {
                        const ids = Array.from({ length: n }, (_, i) => `i${i}`).sort(
                            (a, b) =>
                                (order[Number(a.slice(1)) + round] ?? 0) - (order[Number(b.slice(1)) + round] ?? 0),
                        );
                        for (const id of ids) {
                            const r = look(state, terms(id, round * 250, 64));
                            state = r.state;
                            held.set(id, r.lanes);
                        }
                    }
                    const counts = [...held.values()].map((l) => l.length);
                    expect(counts.reduce((a, b) => a + b, 0)).toBe(64);
                    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
                },
            ),
        );
    });
});
