import { StoreUnavailableError } from '../ports/storeErrors';
import { type CallGrid, gridFor, nextPoint, spacingMs } from './erpCallGrid';

/**
 * Where a pacer gets its call slots: the whole call grid when one instance runs alone, this instance's lanes of it
 * when a fleet shares the ERP (erpFleetMember.ts).
 */
export interface CallShare {
    /**
     * The grid and the lanes this instance may call on at `nowMs` (none while it has no share), on points from `from`
     * on (a lane just won is not used for a point already past: its last holder may have used it); undefined: no limit.
     */
    slots(nowMs: number): { grid: CallGrid; lanes: ReadonlySet<number> | 'all'; from?: number } | undefined;
    /** No call before this: the latest Retry-After given here (or, in a fleet, to any instance). */
    pausedUntil(nowMs: number): number;
    /** The ERP asked for a wait until `untilMs`. */
    pause(untilMs: number): void;
    /** Callers waiting for a slot now, after one joined or was let through: how much this instance wants. */
    waiting(count: number): void;
    /** A caller was let through on one of the share's slots: how much of its share this instance uses. */
    used(): void;
}

/** One instance alone with the ERP: the whole grid, paused by its own 429s. */
export function soloShare(ratePerSec: number): CallShare {
    const grid = ratePerSec > 0 ? gridFor(ratePerSec) : undefined;
    let pausedUntil = 0;
    return {
        slots: () => (grid ? { grid, lanes: 'all' } : undefined),
        pausedUntil: () => pausedUntil,
        pause: (untilMs) => {
            pausedUntil = Math.max(pausedUntil, untilMs);
        },
        waiting: () => {},
        used: () => {},
    };
}

export interface CallPacerOptions {
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    /** Waiting callers fail after this long with no share of the limit at all (the shared state unreachable). */
    maxWithoutShareMs?: number;
}

/**
 * A point may still be used this late (a timer that fired late, a busy event loop), or one spacing if that is less.
 * Later, it is skipped (with a fleet, an instance's next own point can be 200 ms away, so a skip costs): a call made
 * later still would crowd the next second. Any second at the ERP thus holds at most the points of 1.025 s as the
 * pacers release them (41 at 40/s), leaving room for calls the network delays on their way.
 */
const maxLateMs = 25;
/** Looks at the share again at least this often while callers wait (a lane won, a pause lifted). */
const recheckMs = 100;

/**
 * Spaces ERP calls on the call grid (erpCallGrid.ts): waiting callers are let through one per grid point of a lane
 * this instance holds, in arrival order, never before a Retry-After. A point missed by more than a little (the event
 * loop was busy) is skipped rather than made up, so calls never bunch. Explicit clock and sleep: tests need no timers.
 */
export class CallPacer {
    readonly #queue: Array<{ release: () => void; fail: (e: Error) => void }> = [];
    #dispatching = false;
    #lastAt = Number.NEGATIVE_INFINITY;
    #withoutShareSince: number | undefined;
    readonly #now: () => number;
    readonly #sleep: (ms: number) => Promise<void>;
    readonly #maxWithoutShareMs: number;

    constructor(
        private readonly share: CallShare,
        options: CallPacerOptions = {},
    ) {
        this.#now = options.now ?? Date.now;
        this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
        this.#maxWithoutShareMs = options.maxWithoutShareMs ?? 30_000;
    }

    /** Waits for this call's slot. */
    async acquire(): Promise<void> {
        if (!this.share.slots(this.#now())) return this.#waitOutPause();
        await new Promise<void>((release, fail) => {
            this.#queue.push({ release, fail });
            this.share.waiting(this.#queue.length);
            void this.#dispatch();
        });
    }

    /** The ERP asked everyone to wait (429 with Retry-After). */
    pause(ms: number): void {
        this.share.pause(this.#now() + ms);
    }

    async #waitOutPause(): Promise<void> {
        for (;;) {
            const now = this.#now();
            const until = this.share.pausedUntil(now);
            if (until <= now) return;
            await this.#sleep(until - now);
        }
    }

    async #dispatch(): Promise<void> {
        if (this.#dispatching) return;
        this.#dispatching = true;
        try {
            while (this.#queue.length > 0) {
                const now = this.#now();
                const slots = this.share.slots(now);
                if (!slots) {
                    // The limit was lifted: nobody waits for a slot any more.
                    for (const waiter of this.#queue.splice(0)) waiter.release();
                    break;
                }
                const spacing = spacingMs(slots.grid);
                const from = Math.max(
                    now - Math.min(spacing, maxLateMs),
                    this.share.pausedUntil(now),
                    this.#lastAt + spacing / 2,
                    slots.from ?? Number.NEGATIVE_INFINITY,
                );
                let point = nextPoint(slots.grid, slots.lanes, from);
                // Woken late with several points due: only the latest is used, so a late wake never lets two through.
                for (
                    let later = point;
                    later && later.at <= now;
                    later = nextPoint(slots.grid, slots.lanes, later.at + spacing / 2)
                )
                    point = later;
                if (!point) {
                    this.#withoutShareSince ??= now;
                    if (now - this.#withoutShareSince >= this.#maxWithoutShareMs) {
                        this.#failAll(now - this.#withoutShareSince);
                        break;
                    }
                    await this.#sleep(recheckMs);
                    continue;
                }
                this.#withoutShareSince = undefined;
                if (point.at > now) {
                    // Looked at again on waking: the share may have changed or a pause come in meanwhile.
                    await this.#sleep(Math.min(point.at - now, recheckMs));
                    continue;
                }
                this.#lastAt = point.at;
                this.#queue.shift()?.release();
                this.share.used();
                this.share.waiting(this.#queue.length);
            }
        } finally {
            this.#dispatching = false;
        }
    }

    #failAll(forMs: number): void {
        const error = new StoreUnavailableError(
            `no share of the ERP's call limit for ${Math.round(forMs / 1000)} s: the fleet's shared state in Table Storage could not be read or renewed`,
        );
        for (const waiter of this.#queue.splice(0)) waiter.fail(error);
        this.share.waiting(0);
        this.#withoutShareSince = undefined;
    }
}
