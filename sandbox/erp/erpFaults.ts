import { z } from 'zod';
import { mulberry32 } from '../seededRandom';

/**
 * Failure modes of the sandbox ERP, set over HTTP (`PUT /sandbox/faults`) by tests, drills and the simulator, and
 * the ERP's profile (whether it keeps idempotency keys), which a launch or a test switches the same way.
 */
export interface ErpFaultSettings {
    latencyMs: number;
    /** Share of calls answered 503 at random (seeded, so a run is repeatable). */
    transientErrorRate: number;
    /** Calls per second the ERP accepts; above it, 429 with Retry-After. 0 = unlimited. */
    rateLimitPerSec: number;
    /** Every call answered 503: an outage. */
    down: boolean;
    /**
     * The next this many accepted writes are applied, then their connection is cut before the answer: the caller
     * cannot tell whether the write happened (a lost answer), and must look it up before pushing it again.
     */
    loseAnswers: number;
    /**
     * The profile: true (the default) = the ERP keeps Idempotency-Keys and answers a repeat with its first answer;
     * false = it ignores the header, so a write sent twice is posted twice, and it has no look-up by key.
     */
    idempotencyKeys: boolean;
}

/** A `PUT /sandbox/faults` body: any subset of the settings, each in range. */
export const faultPatchSchema = z
    .object({
        latencyMs: z.number().int().min(0).max(600_000),
        transientErrorRate: z.number().min(0).max(1),
        rateLimitPerSec: z.number().min(0),
        down: z.boolean(),
        loseAnswers: z.number().int().min(0),
        idempotencyKeys: z.boolean(),
    })
    .partial()
    .strict();

export type FaultVerdict = { kind: 'pass' } | { kind: 'unavailable' } | { kind: 'rateLimited'; retryAfterSec: number };

/** The profile an ERP is started with (`startSandboxErp({idempotencyKeys})`); a reset returns to it. */
export interface ErpProfile {
    idempotencyKeys: boolean;
}

export class ErpFaults {
    settings: ErpFaultSettings;
    readonly #seed: number;
    readonly #initial: ErpFaultSettings;
    #random: () => number;
    #tokens = 0;
    #refilledAt = 0;

    constructor(seed = 1, profile: ErpProfile = { idempotencyKeys: true }) {
        this.#seed = seed;
        this.#random = mulberry32(seed);
        this.#initial = {
            latencyMs: 0,
            transientErrorRate: 0,
            rateLimitPerSec: 0,
            down: false,
            loseAnswers: 0,
            idempotencyKeys: profile.idempotencyKeys,
        };
        this.settings = { ...this.#initial };
    }

    update(patch: Partial<ErpFaultSettings>): ErpFaultSettings {
        this.settings = { ...this.settings, ...patch };
        this.#tokens = this.#capacity();
        this.#refilledAt = 0;
        return this.settings;
    }

    /** No faults, the profile the ERP was started with, and the random sequence starts again from the seed. */
    reset(): void {
        this.#random = mulberry32(this.#seed);
        this.update(this.#initial);
    }

    /** Whether the answer to this accepted write is lost (counts one of `loseAnswers` down). */
    loseAnswer(): boolean {
        if (this.settings.loseAnswers <= 0) return false;
        this.settings = { ...this.settings, loseAnswers: this.settings.loseAnswers - 1 };
        return true;
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
