import type { ErpFleetState, FleetMember } from '../ports/erpFleetState';
import { gridFor, laneOrder } from './erpCallGrid';

/**
 * Max-min fair split of `total` lanes: nobody gets more than it wants, and what one does not want goes to those who
 * want more, evenly; whole lanes, the odd ones to the members first in id order, so every instance that reads the same
 * state computes the same split.
 */
export function maxMinShares(total: number, wants: ReadonlyMap<string, number>): Map<string, number> {
    const shares = new Map<string, number>();
    let remaining = total;
    let pending = [...wants.entries()]
        .map(([id, want]) => ({ id, want: Math.max(0, Math.min(total, Math.floor(want))) }))
        .sort((a, b) => a.want - b.want || (a.id < b.id ? -1 : 1));
    while (pending.length > 0) {
        const even = Math.floor(remaining / pending.length);
        const modest = pending.filter((p) => p.want <= even);
        if (modest.length === 0) {
            const odd = remaining - even * pending.length;
            pending
                .sort((a, b) => (a.id < b.id ? -1 : 1))
                .forEach((p, i) => {
                    shares.set(p.id, even + (i < odd ? 1 : 0));
                });
            break;
        }
        for (const p of modest) {
            shares.set(p.id, p.want);
            remaining -= p.want;
        }
        pending = pending.filter((p) => p.want > even);
    }
    return shares;
}

export interface MembershipTerms {
    me: string;
    /** The ERP's limit as this instance is configured (erpRateLimitPerSec), > 0. */
    configuredRatePerSec: number;
    now: number;
    /** Lanes this instance could use now; 0 = it leaves (idle), giving all its lanes back. */
    wants: number;
    /** A claim lasts this long unless renewed; then its lanes are free for others. */
    ttlMs: number;
    /** Renew once less than this is left of the claim. */
    renewBeforeMs: number;
    /** Clock difference tolerated between instances: a holder stops this long before its expiry, others wait as long after. */
    skewMarginMs: number;
}

export interface MembershipPlan {
    /** The state to write, or undefined when nothing needs writing. */
    next: ErpFleetState | undefined;
    /** This instance's lanes in the state that results (in `next`, or in the state as it is). */
    lanes: number[];
}

/**
 * This instance's next claim, given the shared state as just read. The rules keep every instant's claims disjoint,
 * so they never add up to more than the limit, while instances join, leave and die:
 * - a claim only grows into lanes no live claim holds (a joiner waits for holders to shrink);
 * - a claim shrinks toward the max-min fair share of the live members' wants at every look (four times a second);
 * - a claim not renewed within `ttlMs` is dead `skewMarginMs` later; whoever writes next drops it, freeing its lanes;
 * - the grid changes (a new limit) only when no live member is configured for the one in force; it clears every
 *   claim, and its lanes are usable only once every claim on the old grid would have run out, even a holder's that
 *   cannot reach the shared state to hear of the change.
 * Callers write `next` with compare-and-set, so each plan is made on the state it replaces.
 */
export function planMembership(state: ErpFleetState, terms: MembershipTerms): MembershipPlan {
    const { me, now } = terms;
    const mine = state.members[me];
    const others = Object.entries(state.members).filter(([id]) => id !== me);
    const live = others.filter(([, m]) => m.expiresAt + terms.skewMarginMs > now);
    const collected = live.length < others.length;

    const desired = gridFor(terms.configuredRatePerSec);
    let grid = state.grid;
    let switched = false;
    if (!grid) grid = { ...desired, since: now };
    else if (grid.ratePerSec !== desired.ratePerSec || grid.lanes !== desired.lanes) {
        const gridStillWanted = live.some(([, m]) => m.configuredRatePerSec === grid?.ratePerSec);
        if (!gridStillWanted) {
            const lastOld = Math.max(now, ...live.filter(([, m]) => m.lanes.length > 0).map(([, m]) => m.expiresAt));
            grid = { ...desired, since: lastOld + terms.skewMarginMs };
            switched = true;
        }
    }
    const members: Record<string, FleetMember> = Object.fromEntries(
        live.map(([id, m]) => [id, switched ? { ...m, lanes: [] } : m]),
    );

    if (terms.wants <= 0) {
        const changed = mine !== undefined || collected || switched || state.grid === null;
        return { next: changed ? { ...state, grid, members } : undefined, lanes: [] };
    }

    const heldByOthers = new Set(Object.values(members).flatMap((m) => m.lanes));
    const order = laneOrder(grid.lanes);
    const rank = new Map(order.map((lane, i) => [lane, i]));
    const current = switched || state.grid === null ? [] : (mine?.lanes ?? []);
    let lanes = current.filter((l) => l < (grid?.lanes ?? 0) && !heldByOthers.has(l));
    const wants = new Map(Object.entries(members).map(([id, m]) => [id, m.wants]));
    wants.set(me, terms.wants);
    const target = maxMinShares(grid.lanes, wants).get(me) ?? 0;
    if (lanes.length > target) {
        lanes = [...lanes].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0)).slice(0, target);
    } else if (lanes.length < target) {
        const held = new Set(lanes);
        const free = order.filter((l) => !heldByOthers.has(l) && !held.has(l));
        lanes = [...lanes, ...free.slice(0, target - lanes.length)];
    }
    lanes.sort((a, b) => a - b);

    const claim: FleetMember = {
        lanes,
        expiresAt: now + terms.ttlMs,
        wants: terms.wants,
        configuredRatePerSec: terms.configuredRatePerSec,
    };
    const unchanged =
        mine !== undefined &&
        !collected &&
        !switched &&
        state.grid !== null &&
        mine.wants === claim.wants &&
        mine.configuredRatePerSec === claim.configuredRatePerSec &&
        mine.lanes.length === lanes.length &&
        mine.lanes.every((l, i) => l === lanes[i]) &&
        mine.expiresAt - now >= terms.renewBeforeMs;
    if (unchanged) return { next: undefined, lanes: mine.lanes };
    return { next: { ...state, grid, members: { ...members, [me]: claim } }, lanes };
}
