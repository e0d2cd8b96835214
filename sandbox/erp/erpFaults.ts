import { z } from 'zod';
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

/** A `PUT /sandbox/faults` body: any subset of the settings, each in range. */
export const faultPatchSchema = z
    .object({
        latencyMs: z.number().int().min(0).max(600_000),
        transientErrorRate: z.number().min(0).max(1),
        rateLimitPerSec: z.number().min(0),
        down: z.boolean(),
    })
    .partial()
    .strict();

export type FaultVerdict = { kind: 'pass' } | { kind: 'unavailable' } | { kind: 'rateLimited'; retryAfterSec: number };

const noFaults: ErpFaultSettings = { latencyMs: 0, transientErrorRate: 0, rateLimitPerSec: 0, down: false };

export class ErpFaults {
    settings: ErpFaultSettings = { ...noFaults };
    readonly #seed: number;
    #random: () => number;
    #tokens = 0;
    #refilledAt = 0;

    constructor(seed = 1) {
        this.#seed = seed;
        this.#random = mulberry32(seed);
    }

    update(patch: Partial<ErpFaultSettings>): ErpFaultSettings {
        this.settings = { ...this.settings, ...patch };
        this.#tokens = this.#capacity();
        this.#refilledAt = 0;
        return this.settings;
    }

    /** No faults, and the random sequence starts again from the seed. */
    reset(): void {
        this.#random = mulberry32(this.#seed);
        this.update(noFaults);
    }

    /** Decides the fate of one call at `nowMs`. */
    judge(nowMs: number): FaultVerdict {
        if (this.settings.down) return { kind: 'unavailable' };
        const limit = this.settings.rateLimitPerSec;
        if (limit > 0) {
            // Token bucket holding one second of calls (at least one): bursts up to it, then the steady rate.
            const refill = this.#refilledAt === 0 ? 0 : ((nowMs - this.#refilledAt) / 1000) * limit;
            this.#tokens = Math.min(this.#capacity(), this.#tokens + refill);
            this.#refilledAt = nowMs;
            if (this.#tokens < 1) return { kind: 'rateLimited', retryAfterSec: Math.ceil((1 - this.#tokens) / limit) };
            this.#tokens -= 1;
        }
        if (this.settings.transientErrorRate > 0 && this.#random() < this.settings.transientErrorRate)
            return { kind: 'unavailable' };
        return { kind: 'pass' };
    }

    #capacity(): number {
        return Math.max(1, this.settings.rateLimitPerSec);
    }
}
