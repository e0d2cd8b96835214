import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { transactionEnvelopeSchema } from '../src/domain/transactionEnvelopeSchema';
import { buildErpRequest } from '../src/mapping/erpMap';
import type { ErpMap } from '../src/mapping/erpMapSchema';
import type { ErpClient, ErpPostOutcome } from '../src/ports/erpClient';
import type { MappingLookup } from '../src/ports/mappingLookup';
import type { OutgoingMessage, ReceivedMessage } from '../src/ports/sessionQueue';

/**
 * A retry policy of the kind integrations are usually built with, run behind our own intake against the same ERP so
 * the benchmark can compare: no session gate, no parking, no circuit breaker, no look-up; retry a few times, then fail
 * and leave the transaction for someone to key in by hand.
 */
export interface BaselinePolicy {
    name: string;
    description: string;
    /** Attempts in all, the first included. */
    maxAttempts: number;
    /** Wait before retry number `retry` (1 = first retry), in real (unscaled) milliseconds. */
    delayMs(retry: number, random: () => number): number;
    /** Whether this failed answer is retried at all. */
    retries(outcome: Extract<ErpPostOutcome, { kind: 'failed' }>): boolean;
    /** Whether a Retry-After from the ERP is waited out. */
    honoursRetryAfter: boolean;
}

/**
 * Power Automate / Logic Apps default retry policy: 4 retries at exponentially growing intervals (7.5 s scale,
 * each wait kept between 5 s and 45 s), on 408, 429 and 5xx only; any other refusal fails the run at once.
 */
export const powerAutomateDefault: BaselinePolicy = {
    name: 'power-automate-default',
    description: '4 retries, exponential 7.5 s scale (5–45 s), on 408/429/5xx, then fail',
    maxAttempts: 5,
    delayMs: (retry, random) => Math.min(45_000, Math.max(5_000, 7_500 * 2 ** (retry - 1) * (0.8 + 0.4 * random()))),
    retries: (outcome) =>
        outcome.status === undefined || outcome.status === 408 || outcome.status === 429 || outcome.status >= 500,
    honoursRetryAfter: true,
};

/** A typical queue consumer: any failure throws, the message is redelivered at once, dead-lettered after 3. */
export const queueThreeAttempts: BaselinePolicy = {
    name: 'queue-3-attempts-dead-letter',
    description: '3 attempts with immediate redelivery on any failure, then dead-letter',
    maxAttempts: 3,
    delayMs: () => 0,
    retries: () => true,
    honoursRetryAfter: false,
};

export const baselinePolicies: Record<string, BaselinePolicy> = {
    [powerAutomateDefault.name]: powerAutomateDefault,
    [queueThreeAttempts.name]: queueThreeAttempts,
};

const retryBodySchema = z.object({
    baselineRetry: z.object({ envelope: transactionEnvelopeSchema, attempt: z.number() }),
});

export type BaselineFate = { kind: 'posted' } | { kind: 'failed'; code: string; attempts: number };

export interface BaselineRun {
    handler: (message: ReceivedMessage) => Promise<void>;
    /** Final fate per transaction id. */
    readonly fates: Map<string, BaselineFate>;
    /** Retries scheduled and not yet handled (the drain waits for 0). */
    pending(): number;
    readonly erpCalls: { first: number; retry: number };
}

/**
 * The session function for a baseline: one ERP call per delivery; a retry is a new scheduled message in a session
 * of its own, because these designs do not keep a unit's later transactions behind a failing one.
 */
export function baselineRun(
    policy: BaselinePolicy,
    deps: {
        erp: ErpClient;
        erpMap: ErpMap;
        lookup: MappingLookup;
        send: (messages: OutgoingMessage[]) => Promise<void>;
        random: () => number;
        /** Every wait is multiplied by this (the benchmark scales time down for all policies alike). */
        timeScale: number;
    },
): BaselineRun {
    const fates = new Map<string, BaselineFate>();
    const erpCalls = { first: 0, retry: 0 };
    let pending = 0;
    const handler = async (message: ReceivedMessage) => {
        const retry = retryBodySchema.safeParse(message.body);
        if (retry.success) pending--;
        const parsed = retry.success ? undefined : transactionEnvelopeSchema.safeParse(message.body);
        const envelope = retry.success ? retry.data.baselineRetry.envelope : parsed?.success ? parsed.data : undefined;
        if (!envelope) return;
        const attempt = retry.success ? retry.data.baselineRetry.attempt : 1;
        const id = envelope.transactionId;
        if (fates.has(id) && !retry.success) return;
        const built = await buildErpRequest(envelope, deps.erpMap, deps.lookup);
        if (!built.ok) {
            fates.set(id, { kind: 'failed', code: built.error.code, attempts: attempt });
            return;
        }
        if (attempt === 1) erpCalls.first++;
        else erpCalls.retry++;
        const outcome = await deps.erp.post(built.value);
        if (outcome.kind === 'posted') {
            fates.set(id, { kind: 'posted' });
            return;
        }
        if (attempt >= policy.maxAttempts || !policy.retries(outcome)) {
            fates.set(id, { kind: 'failed', code: outcome.failure.code, attempts: attempt });
            return;
        }
        const wait = Math.max(
            policy.delayMs(attempt, deps.random),
            policy.honoursRetryAfter ? (outcome.failure.retryAfterMs ?? 0) / Math.max(deps.timeScale, 1e-9) : 0,
        );
        fates.set(id, { kind: 'failed', code: `${outcome.failure.code} (retrying)`, attempts: attempt });
        pending++;
        await deps.send([
            {
                messageId: `baseline-${randomUUID()}`,
                sessionId: `baseline-${randomUUID()}`,
                body: { baselineRetry: { envelope, attempt: attempt + 1 } },
                scheduledEnqueueTime: new Date(Date.now() + wait * deps.timeScale),
            },
        ]);
    };
    return { handler, fates, pending: () => pending, erpCalls };
}
