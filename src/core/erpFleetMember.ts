import { type ErpFleetState, type ErpFleetStateStore, emptyFleetState } from '../ports/erpFleetState';
import { type Logger, silentLogger } from '../ports/logger';
import type { CallShare } from './callPacer';
import { describeError } from './describeError';
import { type CallGrid, gridFor } from './erpCallGrid';
import { planMembership } from './erpLaneShares';

export interface ErpFleetMemberOptions {
    /** This instance, unique in the fleet (a new one per process). */
    id: string;
    /** The ERP's limit as configured (erpRateLimitPerSec); 0 = unpaced, the pause and the breaker still shared. */
    ratePerSec: number;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    logger?: Logger;
    /** How often an instance that is calling the ERP reads the shared state: how soon it honours another's 429. */
    pollMs?: number;
    ttlMs?: number;
    renewBeforeMs?: number;
    skewMarginMs?: number;
    /** With no caller for this long the instance gives its lanes back and stops reading. */
    idleMs?: number;
}

/** Lanes this instance may call on: on points from `from` (the grid's start, or when it last won a lane) to `until`. */
type Usable = { grid: CallGrid & { since: number }; lanes: Set<number>; from: number; until: number };

const noLanes: ReadonlySet<number> = new Set();

/**
 * This instance's membership of the fleet that shares one ERP (docs/erp-fleet-limit.md). While it calls the ERP it
 * reads the shared state every `pollMs`: it claims, renews and gives back lanes of the call grid (erpLaneShares.ts),
 * learns of other instances' 429s and of the breaker. It calls only on lanes it has written as its own, stops using a
 * lane before the write that gives it up, and stops using all of them `skewMarginMs` before its claim runs out when
 * it cannot renew. Idle, it leaves and reads nothing.
 */
export class ErpFleetMember implements CallShare {
    readonly id: string;
    #view: ErpFleetState = emptyFleetState();
    #viewAt = Number.NEGATIVE_INFINITY;
    #reading: Promise<ErpFleetState> | undefined;
    #usable: Usable | undefined;
    #localPause = 0;
    #waiting = 0;
    #mostWaiting = 0;
    #used = 0;
    /** Lanes' worth of calls made lately (a moving average over about 2 s). */
    #inUse = 0;
    #lookedAt: number | undefined;
    /** Since when this instance has wanted fewer lanes than its claim says (a drop is written after 2 s of it). */
    #wantedLessSince: number | undefined;
    #activeAt = Number.NEGATIVE_INFINITY;
    #polling: Promise<void> | undefined;
    #stopped = false;
    #unreachableSince: number | undefined;
    readonly #o: Required<Omit<ErpFleetMemberOptions, 'id' | 'ratePerSec' | 'logger'>> & { logger: Logger };

    constructor(
        private readonly store: ErpFleetStateStore,
        private readonly ratePerSec: number,
        options: Omit<ErpFleetMemberOptions, 'ratePerSec'>,
    ) {
        this.id = options.id;
        this.#o = {
            now: options.now ?? Date.now,
            // Unref'd: reading the shared state in the background never keeps a finished process alive.
            sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref())),
            logger: options.logger ?? silentLogger,
            pollMs: options.pollMs ?? 250,
            ttlMs: options.ttlMs ?? 10_000,
            renewBeforeMs: options.renewBeforeMs ?? 6_000,
            skewMarginMs: options.skewMarginMs ?? 1_000,
            idleMs: options.idleMs ?? 3_000,
        };
    }

    // --- CallShare: what the pacer asks ---

    slots(nowMs: number): { grid: CallGrid; lanes: ReadonlySet<number>; from: number } | undefined {
        this.#active(nowMs);
        if (this.ratePerSec <= 0) return undefined;
        const u = this.#usable;
        if (!u || nowMs >= u.until)
            return { grid: u?.grid ?? this.#view.grid ?? gridFor(this.ratePerSec), lanes: noLanes, from: nowMs };
        return { grid: u.grid, lanes: u.lanes, from: u.from };
    }

    pausedUntil(nowMs: number): number {
        this.#active(nowMs);
        return Math.max(this.#localPause, this.#view.pausedUntil);
    }

    /** Paused here at once; every other instance pauses when it next reads (within pollMs). */
    pause(untilMs: number): void {
        this.#localPause = Math.max(this.#localPause, untilMs);
        if (untilMs <= this.#view.pausedUntil) return;
        this.update((s) => (s.pausedUntil >= untilMs ? undefined : { ...s, pausedUntil: untilMs })).catch((e) =>
            this.#o.logger.warn('could not tell the fleet of a Retry-After; other instances learn it from the ERP', {
                error: describeError(e),
            }),
        );
    }

    waiting(count: number): void {
        this.#waiting = count;
        this.#mostWaiting = Math.max(this.#mostWaiting, count);
        this.#active(this.#o.now());
    }

    used(): void {
        this.#used++;
    }

    // --- the shared state, for the breaker ---

    /** The shared state as last read or written here. */
    get cached(): ErpFleetState {
        return this.#view;
    }

    /** The shared state, read again unless the copy here is younger than `maxAgeMs` (the copy, if it cannot be read). */
    async state(maxAgeMs: number): Promise<ErpFleetState> {
        if (this.#o.now() - this.#viewAt < maxAgeMs) return this.#view;
        this.#reading ??= this.store
            .read()
            .then((s) => {
                this.#adopt(s, this.#o.now());
                return s;
            })
            .catch((e: unknown) => {
                this.#unreachable(e);
                return this.#view;
            })
            .finally(() => {
                this.#reading = undefined;
            });
        return this.#reading;
    }

    /** A compare-and-set change of the shared state (store.update); the copy here is the result. */
    async update(change: (current: ErpFleetState) => ErpFleetState | undefined): Promise<ErpFleetState> {
        const result = await this.store.update(change);
        this.#adopt(result, this.#o.now());
        return result;
    }

    /**
     * One look: claim, renew, resize or give back this instance's lanes as the shared state now calls for (without a
     * limit, only read the state, for other instances' Retry-After).
     */
    async look(): Promise<void> {
        const now = this.#o.now();
        if (this.ratePerSec <= 0) {
            await this.state(0);
            return;
        }
        const wants = this.#stopped ? 0 : this.#wants(now);
        try {
            await this.update((s) => {
                const plan = planMembership(s, {
                    me: this.id,
                    configuredRatePerSec: this.ratePerSec,
                    now,
                    wants,
                    ttlMs: this.#o.ttlMs,
                    renewBeforeMs: this.#o.renewBeforeMs,
                    skewMarginMs: this.#o.skewMarginMs,
                });
                // A lane given up is not used from now on, even if this write is lost or has to be made again.
                this.#keepOnly(plan.next?.grid ?? s.grid, plan.lanes);
                return plan.next;
            });
            if (this.#unreachableSince !== undefined) {
                this.#o.logger.info('ERP fleet state reachable again', {
                    instance: this.id,
                    afterMs: now - this.#unreachableSince,
                });
                this.#unreachableSince = undefined;
            }
        } catch (e) {
            this.#unreachable(e);
        }
    }

    /** Stops reading and gives every lane back (a host shutting down); the claim would run out by itself otherwise. */
    async stop(): Promise<void> {
        this.#stopped = true;
        await this.#polling;
        await this.look();
    }

    #active(nowMs: number): void {
        this.#activeAt = nowMs;
        if (this.#polling || this.#stopped) return;
        this.#polling = this.#poll().finally(() => {
            this.#polling = undefined;
        });
    }

    async #poll(): Promise<void> {
        for (;;) {
            const idle = this.#waiting === 0 && this.#o.now() - this.#activeAt >= this.#o.idleMs;
            await this.look();
            if (idle || this.#stopped) return;
            await this.#o.sleep(this.#o.pollMs);
        }
    }

    /**
     * Lanes this instance could use: all of them while callers queue up (two or more waiting at once, or any waiting
     * with no lane); twice what it holds when it used nearly every point of them lately (a moving average over about
     * 2 s); otherwise half again what it used. Rounded up to a power of two, so that the claim is not rewritten at
     * every small change, and lowered only after 2 s; none when idle (it leaves). A lone caller that works between calls
     * thus holds few lanes and waits a little for each: the limit goes to where the calls queue.
     */
    #wants(now: number): number {
        const grid = this.#view.grid ?? gridFor(this.ratePerSec);
        const cycleMs = (grid.lanes * 1000) / grid.ratePerSec;
        const held = this.#usable?.lanes.size ?? 0;
        const dt = now - (this.#lookedAt ?? now);
        this.#lookedAt = now;
        if (dt > 0) {
            this.#inUse += (1 - Math.exp(-dt / 2000)) * ((this.#used * cycleMs) / dt - this.#inUse);
            this.#used = 0;
        }
        const saturated = held > 0 && this.#inUse >= 0.8 * held;
        const most = this.#mostWaiting;
        this.#mostWaiting = this.#waiting;
        if (this.#waiting === 0 && now - this.#activeAt >= this.#o.idleMs) return 0;
        const enough = Math.max(1, this.#inUse * 1.5, saturated ? held * 2 : 0);
        const wants =
            most >= 2 || (most >= 1 && held === 0)
                ? grid.lanes
                : Math.min(grid.lanes, 2 ** Math.ceil(Math.log2(enough)));
        // More at once; less only once it has lasted 2 s: a queue that comes and goes would rewrite the row each time.
        const claimed = this.#view.members[this.id]?.wants ?? 0;
        if (wants >= claimed) {
            this.#wantedLessSince = undefined;
            return wants;
        }
        this.#wantedLessSince ??= now;
        return now - this.#wantedLessSince >= 2_000 ? wants : claimed;
    }

    #keepOnly(grid: ErpFleetState['grid'], lanes: number[]): void {
        const u = this.#usable;
        if (!u) return;
        if (!grid || !sameGridAs(u.grid, grid)) {
            this.#usable = undefined;
            return;
        }
        const keep = new Set(lanes);
        this.#usable = { ...u, lanes: new Set([...u.lanes].filter((l) => keep.has(l))) };
    }

    #adopt(state: ErpFleetState, at: number): void {
        this.#view = state;
        this.#viewAt = at;
        const mine = state.members[this.id];
        const before = this.#usable;
        if (!state.grid || !mine || mine.lanes.length === 0) {
            this.#usable = undefined;
            return;
        }
        const sameGrid = before && sameGridAs(before.grid, state.grid);
        const won = !sameGrid || mine.lanes.some((l) => !before.lanes.has(l));
        this.#usable = {
            grid: state.grid,
            lanes: new Set(mine.lanes),
            from: Math.max(state.grid.since, won ? at : (before?.from ?? at)),
            until: mine.expiresAt - this.#o.skewMarginMs,
        };
    }

    #unreachable(e: unknown): void {
        if (this.#unreachableSince !== undefined) return;
        this.#unreachableSince = this.#o.now();
        this.#o.logger.warn('ERP fleet state unreachable; calling on the lanes held until their claim runs out', {
            instance: this.id,
            until: this.#usable?.until,
            error: describeError(e),
        });
    }
}

function sameGridAs(a: Usable['grid'], b: Usable['grid']): boolean {
    return a.ratePerSec === b.ratePerSec && a.lanes === b.lanes && a.since === b.since;
}
