import { mulberry32 } from '../seededRandom';

/** Failure modes of the sandbox ERP, set over HTTP (`PUT /sandbox/faults`) by tests, drills and the simulator. */
export interface ErpFaultSettings {
    latencyMs: number;
    /** Share of calls answered 503 at random (seeded, so a run is repeatable). */
    transientErrorRate: number;
    /** Calls per second the ERP accepts; above it, 429 with Retry-After. 0 = unlimited. */
    rateLimitPerSec: number;
    /** Every call answered 503: an outage. */
    down: boolean;
}

export type FaultVerdict = { kind: 'pass' } | { kind: 'unavailable' } | { kind: 'rateLimited'; retryAfterSec: number };

export class ErpFaults {
    settings: ErpFaultSettings = { latencyMs: 0, transientErrorRate: 0, rateLimitPerSec: 0, down: false };
    #random: () => number;
    #tokens = 0;
    #refilledAt = 0;

    constructor(seed = 1) {
        this.#random = mulberry32(seed);
    }

    update(patch: Partial<ErpFaultSettings>): ErpFaultSettings {
        this.settings = { ...this.settings, ...patch };
        this.#tokens = this.settings.rateLimitPerSec;
        return this.settings;
    }

    /** Decides the fate of one call at `nowMs`. */
    judge(nowMs: number): FaultVerdict {
        if (this.settings.down) return { kind: 'unavailable' };
        const limit = this.settings.rateLimitPerSec;
        if (limit > 0) {
            // Token bucket holding one second of calls: bursts up to the limit, then the steady rate.
            this.#tokens = Math.min(limit, this.#tokens + ((nowMs - this.#refilledAt) / 1000) * limit);
            this.#refilledAt = nowMs;
            if (this.#tokens < 1) return { kind: 'rateLimited', retryAfterSec: 1 };
            this.#tokens -= 1;
        }
        if (this.settings.transientErrorRate > 0 && this.#random() < this.settings.transientErrorRate)
            return { kind: 'unavailable' };
        return { kind: 'pass' };
    }
}
