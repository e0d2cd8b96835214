/**
 * Spaces ERP calls at the ERP's rate limit instead of discovering it through 429s, and after a 429 holds every
 * caller back for its Retry-After. Explicit clock and sleep, so tests need no timers. One pacer per instance:
 * with several Function instances, each should be given its share of the limit.
 */
export class CallPacer {
    #nextAt = 0;
    #pausedUntil = 0;

    constructor(
        private readonly ratePerSec: number,
        private readonly now: () => number = Date.now,
        private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    ) {}

    /** Waits for this call's slot. */
    async acquire(): Promise<void> {
        const now = this.now();
        let slot = Math.max(now, this.#pausedUntil);
        if (this.ratePerSec > 0) {
            slot = Math.max(slot, this.#nextAt);
            this.#nextAt = slot + 1000 / this.ratePerSec;
        }
        if (slot > now) await this.sleep(slot - now);
    }

    /** The ERP asked everyone to wait (429 with Retry-After). */
    pause(ms: number): void {
        this.#pausedUntil = Math.max(this.#pausedUntil, this.now() + ms);
    }
}
