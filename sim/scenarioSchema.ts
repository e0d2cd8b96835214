import { z } from 'zod';

/** A fraction of the run (0–1) or an absolute number of seconds from the start. */
const when = z.union([
    z.object({ fraction: z.number().min(0).max(1) }).strict(),
    z.object({ seconds: z.number().min(0) }).strict(),
]);

/** A launch to replay (`npm run launch -- --scenario <file>`); unknown keys are rejected so a typo cannot pass. */
export const scenarioSchema = z
    .object({
        name: z.string().min(1).default('launch'),
        seed: z.number().int(),
        units: z.number().int().min(1).max(5000),
        /** Approximate number of Dataverse events in the whole launch. */
        events: z.number().int().min(10).max(200_000),
        /** Webhook calls in flight at once (Dataverse's async service sends in parallel). */
        concurrency: z.number().int().min(1).max(256).default(16),
        /**
         * Function instances processing the launch, each with its own pacer, breaker, retry budget view, caches and
         * session slots, sharing only what Azure shares (the queue, Table Storage, the ERP, Dataverse). Our pipeline
         * only: the baselines run on one.
         */
        instances: z.number().int().min(1).max(40).default(1),
        erp: z
            .object({
                latencyMs: z.number().int().min(0).default(0),
                rateLimitPerSec: z.number().int().min(0).default(0),
                transientErrorRate: z.number().min(0).max(1).default(0),
                outage: z.object({ start: when, length: when }).strict().optional(),
                /** The ERP's profile: false = it keeps no Idempotency-Keys (a repeat posts again; no look-up by key). */
                idempotencyKeys: z.boolean().default(true),
            })
            .strict()
            .default({ latencyMs: 0, rateLimitPerSec: 0, transientErrorRate: 0, idempotencyKeys: true }),
        periodFreeze: z.object({ start: when, end: when }).strict().optional(),
        /**
         * Dataverse refuses every Web API call for a stretch (seed 004's 72-hour CRM outage, scaled). While it is down
         * it sends no webhooks either, so the launch pauses: its length is in seconds.
         */
        crmOutage: z
            .object({ start: when, length: z.object({ seconds: z.number().positive() }).strict() })
            .strict()
            .optional(),
        /** Share of milestone instalments whose construction progress is reported only at the end of the launch. */
        milestoneLag: z.number().min(0).max(1).default(0),
        graph: z
            .object({ failureRate: z.number().min(0).max(1).default(0) })
            .strict()
            .default({ failureRate: 0 }),
        /** Probe interval for frozen periods and outages, scaled down for a simulated launch. */
        probeIntervalMs: z.number().int().positive().default(1000),
        /**
         * When set, the pipeline runs the production retry policy (config/retry-policy.v1.json) with every time in it
         * (backoff, breaker, probe interval) multiplied by this, and the benchmark's baselines wait that much less too.
         */
        timeScale: z.number().positive().max(1).optional(),
        /** Give up waiting for the pipeline to drain after this long. */
        drainTimeoutMs: z.number().int().positive().default(120_000),
    })
    .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type When = z.infer<typeof when>;
