import { z } from 'zod';
import { transactionTypes } from '../domain/transaction';

const backoffSchema = z
    .object({
        /** First retry waits about this long (before jitter). */
        baseMs: z.number().int().positive(),
        /** No single wait exceeds this. */
        capMs: z.number().int().positive(),
        /** Attempts in all (first + retries) before the transaction goes to the review queue. */
        maxAttempts: z.number().int().min(1),
    })
    .strict()
    .refine((b) => b.capMs >= b.baseMs, { message: 'capMs must be at least baseMs', path: ['capMs'] });

/** Retry configuration (config/retry-policy.v1.json), versioned like the maps. */
export const retryPolicySchema = z
    .object({
        version: z.string().min(1),
        default: backoffSchema,
        byType: z.partialRecord(z.enum(transactionTypes), backoffSchema).default({}),
        /** Retries (not first attempts) allowed per UTC day across all transactions before retries pause. */
        dailyRetryBudget: z.number().int().min(0),
        breaker: z
            .object({
                /** Consecutive transient ERP failures that open the circuit. */
                consecutiveFailures: z.number().int().min(1),
                /** How long the circuit stays open before one probe call is let through. */
                openMs: z.number().int().positive(),
            })
            .strict(),
        /** How often waiting conditions (frozen period, open circuit) are probed. */
        probeIntervalMs: z.number().int().positive(),
        /** Parked transactions reprocessed per batch when a condition clears. */
        reprocessBatchSize: z.number().int().positive(),
        /**
         * Calls per second the whole app may make to the ERP, shared by every instance (docs/erp-fleet-limit.md): the
         * ERP's published limit for the integration's user, less what other consumers use and some headroom. 0 = unpaced.
         */
        erpRateLimitPerSec: z.number().min(0).default(0),
        /**
         * How long the ERP answers a repeated Idempotency-Key with its first answer and no second effect (its
         * published key retention). A retry within that time of acceptance re-sends, and the ERP's answer says whether
         * it was a replay; after it (a transaction parked for days) the key is looked up first. 0 = always look up.
         */
        erpKeyReplayMs: z.number().int().min(0).default(0),
        /** How long a re-released unit's new plan waits for the first plan's cancellation before it is quarantined. */
        activePlanGraceMs: z.number().int().positive().default(3_600_000),
        /**
         * A transaction queued, processing, posted, held (with nothing unresolved ahead of it) or retrying (past its
         * backoff cap) that has not moved for this long is stuck: the message that would move it was lost (dead-
         * lettered after repeated infrastructure faults). The stuck-transaction sweep sends it to review and alerts.
         */
        stuckAfterMs: z.number().int().positive().default(3_600_000),
    })
    .strict();

export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type Backoff = z.infer<typeof backoffSchema>;

export function backoffFor(policy: RetryPolicy, type: (typeof transactionTypes)[number]): Backoff {
    return policy.byType[type] ?? policy.default;
}

/**
 * Delay before retry number `retry` (1 = the first retry): "full jitter" exponential backoff, a random wait between
 * 0 and min(cap, base · 2^(retry-1)), so many units retrying after one ERP hiccup spread out instead of stampeding.
 * A Retry-After from the ERP is a floor: we never call earlier than it asked.
 */
export function retryDelayMs(backoff: Backoff, retry: number, random: () => number, retryAfterMs?: number): number {
    const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
    const jittered = Math.floor(random() * ceiling);
    return Math.max(jittered, retryAfterMs ?? 0);
}
