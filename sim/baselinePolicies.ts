import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { TransactionEnvelope } from '../src/domain/transaction';
import { transactionEnvelopeSchema } from '../src/domain/transactionEnvelopeSchema';
import { buildErpRequest } from '../src/mapping/erpMap';
import type { ErpMap } from '../src/mapping/erpMapSchema';
import type { ErpClient, ErpPostOutcome } from '../src/ports/erpClient';
import type { MappingLookup } from '../src/ports/mappingLookup';
import type { OutgoingMessage, ReceivedMessage } from '../src/ports/sessionQueue';

/**
 * Retry designs integrations are usually built with, run behind our own intake against the same ERP so the benchmark
 * can compare: no session gate, no parking, no circuit breaker, no look-up; retry a few times, then give up and leave
 * the transaction for an operator to re-drive (re-send as it was) or, if that fails too, to key in by hand.
 */
type FailedOutcome = Extract<ErpPostOutcome, { kind: 'failed' }>;

interface PolicyCommon {
    name: string;
    description: string;
    /** Attempts in all, the first included (a queue: its maxDeliveryCount). */
    maxAttempts: number;
    /** Where the numbers come from (docs/benchmarks.md quotes it). */
    source: string;
}

/**
 * A cloud flow (Power Automate, Logic Apps): each event starts a run; a failed action is retried inside its run after
 * a wait while the unit's later events start runs of their own; after the last retry the run fails, and an operator
 * can resubmit it.
 */
export interface FlowRetryPolicy extends PolicyCommon {
    kind: 'flow-run';
    /** Wait before retry number `retry` (1 = first retry), in real (unscaled) milliseconds. */
    delayMs(retry: number, random: () => number): number;
    /** Whether this failed answer is retried at all. */
    retries(outcome: FailedOutcome): boolean;
    /** Whether a Retry-After from the ERP is waited out. */
    honoursRetryAfter: boolean;
}

/**
 * A Service Bus session consumer: any failure throws, the host abandons the message, and the queue delivers it again
 * at once, still first in its session (so the unit's later messages wait behind it); after `maxAttempts` deliveries
 * the queue moves it to the dead-letter queue, from which an operator can re-send it.
 */
export interface SessionAbandonPolicy extends PolicyCommon {
    kind: 'session-abandon';
}

export type BaselinePolicy = FlowRetryPolicy | SessionAbandonPolicy;

/** Azure Logic Apps' exponential interval policy: its interval and the bounds of the randomly chosen wait. */
export interface ExponentialInterval {
    intervalMs: number;
    minimumMs: number;
    maximumMs: number;
}

/**
 * The range Logic Apps draws retry `retry`'s wait from, uniformly: [max(0, minimum), min(interval, maximum)] for the
 * first, then [max(2^(n-2)·interval, minimum), min(2^(n-1)·interval, maximum)] (learn.microsoft.com/azure/logic-apps/
 * error-exception-handling, "Random variable ranges"). Where the bounds cross (past the maximum), the maximum.
 */
export function exponentialIntervalRange(retry: number, p: ExponentialInterval): { fromMs: number; toMs: number } {
    const toMs = Math.min(p.intervalMs * 2 ** (retry - 1), p.maximumMs);
    const fromMs = Math.max(retry <= 1 ? 0 : p.intervalMs * 2 ** (retry - 2), p.minimumMs);
    return { fromMs: Math.min(fromMs, toMs), toMs };
}

/** Logic Apps and Power Automate retry a request that timed out or got 408, 429 or 5xx; any other refusal fails. */
const retriesTimeoutsThrottlingAndServerErrors = (outcome: FailedOutcome) =>
    outcome.status === undefined || outcome.status === 408 || outcome.status === 429 || outcome.status >= 500;

/**
 * A cloud flow's default policy: `retries` retries drawn from the exponential interval ranges, on 408/429/5xx. A
 * Retry-After is waited out: an assumption in the baselines' favour (the pages quoted do not say).
 */
function cloudFlowDefault(policy: {
    name: string;
    description: string;
    source: string;
    retries: number;
    interval: ExponentialInterval;
}): FlowRetryPolicy {
    return {
        kind: 'flow-run',
        name: policy.name,
        description: policy.description,
        source: policy.source,
        maxAttempts: policy.retries + 1,
        delayMs: (retry, random) => {
            const { fromMs, toMs } = exponentialIntervalRange(retry, policy.interval);
            return fromMs + random() * (toMs - fromMs);
        },
        retries: retriesTimeoutsThrottlingAndServerErrors,
        honoursRetryAfter: true,
    };
}

/**
 * Azure Logic Apps' Default retry policy: up to 4 retries at exponentially increasing intervals that "scale by 7.5
 * seconds but are capped between 5 and 45 seconds". Not Power Automate's default, which depends on the plan's
 * performance profile (below).
 */
export const logicAppsDefault = cloudFlowDefault({
    name: 'logic-apps-default',
    description:
        'Logic Apps default: 4 retries, exponential interval 7.5 s (5–45 s), on 408/429/5xx, then the run fails',
    source: 'learn.microsoft.com/azure/logic-apps/error-exception-handling (Default retry policy; exponential interval)',
    retries: 4,
    interval: { intervalMs: 7_500, minimumMs: 5_000, maximumMs: 45_000 },
});

/**
 * Power Automate's default retry policy on the Medium (and High) performance profile, which flows of Power Automate
 * Premium/per-user, Power Apps per-user and Dynamics 365 Enterprise/Professional owners get: "up to eight retries at
 * exponentially increasing intervals, which scale by 7 seconds up to an interval of approximately 15 minutes for the
 * last retry". Read with Logic Apps' exponential interval algorithm and its defaults (minimum 5 s, maximum 1 day), the
 * eighth retry's range is 448–896 s, the "approximately 15 minutes".
 */
export const powerAutomateMedium = cloudFlowDefault({
    name: 'power-automate-medium',
    description:
        'Power Automate default, Medium profile: 8 retries, exponential interval 7 s (last ≈ 15 min), on 408/429/5xx, then the run fails',
    source: 'learn.microsoft.com/power-automate/limits-and-config (Retry policy, Default retry policy by performance profile)',
    retries: 8,
    interval: { intervalMs: 7_000, minimumMs: 5_000, maximumMs: 86_400_000 },
});

/** A typical Service Bus consumer: a failure abandons, the message comes back first in its session, dead-lettered after 3. */
export const queueThreeAttempts: SessionAbandonPolicy = {
    kind: 'session-abandon',
    name: 'queue-3-attempts-dead-letter',
    description:
        'Service Bus session consumer: any failure abandons (redelivered at once, first in its session), dead-lettered after 3 deliveries',
    source: 'Service Bus: abandon makes the message available again at once and increments its delivery count; past maxDeliveryCount it is dead-lettered',
    maxAttempts: 3,
};

export const baselinePolicies: Record<string, BaselinePolicy> = {
    [logicAppsDefault.name]: logicAppsDefault,
    [powerAutomateMedium.name]: powerAutomateMedium,
    [queueThreeAttempts.name]: queueThreeAttempts,
};

const retryBodySchema = z.object({
    baselineRetry: z.object({
        envelope: transactionEnvelopeSchema,
        attempt: z.number().int().positive(),
        redriven: z.boolean(),
    }),
});
const redriveBodySchema = z.object({ baselineRedrive: z.object({ envelope: transactionEnvelopeSchema }) });

/** What became of a transaction; `redriven` once an operator re-sent it after the baseline gave up on it. */
export type BaselineFate =
    | { kind: 'posted'; redriven: boolean }
    | { kind: 'retrying'; code: string; attempts: number; redriven: boolean }
    | { kind: 'failed'; code: string; attempts: number; redriven: boolean };

export interface BaselineRun {
    readonly kind: BaselinePolicy['kind'];
    handler: (message: ReceivedMessage) => Promise<void>;
    /** Latest fate per transaction id. */
    readonly fates: Map<string, BaselineFate>;
    /** Flow retries scheduled and not yet handled (the drain waits for 0). */
    pending(): number;
    readonly erpCalls: { first: number; retry: number };
    /**
     * What the baseline gave up on, as an operator finds it: the failed flow runs, or the dead-letter queue, in the
     * order they failed.
     */
    givenUp(): Promise<string[]>;
    /**
     * The operator re-sends these, as they were: each failed run resubmitted (a new run), each dead-lettered message
     * re-sent to its session. Only transactions the last givenUp() named.
     */
    redrive(transactionIds: string[]): Promise<void>;
}

/** Thrown so the host abandons the message (what a consumer that lets any failure escape does). */
export class BaselineDeliveryFailed extends Error {
    constructor(readonly code: string) {
        super(`baseline delivery failed: ${code}`);
        this.name = 'BaselineDeliveryFailed';
    }
}

/** A delivery as the baseline reads it: the transaction, which attempt of its current run, and whether re-driven. */
function readDelivery(
    body: unknown,
):
    | { envelope: TransactionEnvelope; attempt: number; redriven: boolean; from: 'intake' | 'retry' | 'redrive' }
    | undefined {
    const retry = retryBodySchema.safeParse(body);
    if (retry.success) return { ...retry.data.baselineRetry, from: 'retry' };
    const redrive = redriveBodySchema.safeParse(body);
    if (redrive.success)
        return { envelope: redrive.data.baselineRedrive.envelope, attempt: 1, redriven: true, from: 'redrive' };
    const envelope = transactionEnvelopeSchema.safeParse(body);
    return envelope.success ? { envelope: envelope.data, attempt: 1, redriven: false, from: 'intake' } : undefined;
}

/** The session function for a baseline: one ERP call per delivery, then the policy's way of trying again. */
export function baselineRun(
    policy: BaselinePolicy,
    deps: {
        erp: ErpClient;
        erpMap: ErpMap;
        lookup: MappingLookup;
        send: (messages: OutgoingMessage[]) => Promise<void>;
        /** The dead-letter queue as an operator sees it (Service Bus Explorer's peek). */
        deadLetters: () => Promise<ReceivedMessage[]>;
        random: () => number;
        /** Every wait is multiplied by this (the benchmark scales time down for all policies alike). */
        timeScale: number;
    },
): BaselineRun {
    const fates = new Map<string, BaselineFate>();
    /** Transactions whose flow run failed, for the resubmission. */
    const failedRuns = new Map<string, TransactionEnvelope>();
    const erpCalls = { first: 0, retry: 0 };
    let pending = 0;

    /** A flow run's failure: a retry in a run of its own (the unit's later events do not wait), or the run fails. */
    const flowFailure = async (
        p: FlowRetryPolicy,
        envelope: TransactionEnvelope,
        attempt: number,
        redriven: boolean,
        code: string,
        outcome?: FailedOutcome,
    ) => {
        const id = envelope.transactionId;
        if (!outcome || attempt >= p.maxAttempts || !p.retries(outcome)) {
            fates.set(id, { kind: 'failed', code, attempts: attempt, redriven });
            failedRuns.set(id, envelope);
            return;
        }
        const wait = Math.max(
            p.delayMs(attempt, deps.random),
            p.honoursRetryAfter ? (outcome.failure.retryAfterMs ?? 0) / Math.max(deps.timeScale, 1e-9) : 0,
        );
        fates.set(id, { kind: 'retrying', code, attempts: attempt, redriven });
        pending++;
        await deps.send([
            {
                messageId: `baseline-${randomUUID()}`,
                sessionId: `baseline-${randomUUID()}`,
                body: { baselineRetry: { envelope, attempt: attempt + 1, redriven } },
                scheduledEnqueueTime: new Date(Date.now() + wait * deps.timeScale),
            },
        ]);
    };

    const handler = async (message: ReceivedMessage) => {
        const delivery = readDelivery(message.body);
        if (!delivery) return;
        if (delivery.from === 'retry') pending--;
        const { envelope, redriven } = delivery;
        const attempt = policy.kind === 'session-abandon' ? message.deliveryCount : delivery.attempt;
        const id = envelope.transactionId;
        // Intake's message seen a second time (not a redelivery of the same one) is a duplicate, dropped.
        if (delivery.from === 'intake' && attempt === 1 && fates.has(id)) return;
        const fail = async (code: string, outcome?: FailedOutcome) => {
            if (policy.kind === 'flow-run') return flowFailure(policy, envelope, attempt, redriven, code, outcome);
            const last = attempt >= policy.maxAttempts;
            fates.set(id, { kind: last ? 'failed' : 'retrying', code, attempts: attempt, redriven });
            throw new BaselineDeliveryFailed(code);
        };
        const built = await buildErpRequest(envelope, deps.erpMap, deps.lookup);
        if (!built.ok) return fail(built.error.code);
        if (attempt === 1 && !redriven) erpCalls.first++;
        else erpCalls.retry++;
        const outcome = await deps.erp.post(built.value);
        if (outcome.kind === 'posted') {
            fates.set(id, { kind: 'posted', redriven });
            failedRuns.delete(id);
            return;
        }
        return fail(outcome.failure.code, outcome);
    };

    /** Where an operator finds what was given up on: a failed run's trigger input, a dead letter's session. */
    const givenUpOn = new Map<string, { envelope: TransactionEnvelope; sessionId: string }>();
    const givenUp = async (): Promise<string[]> => {
        givenUpOn.clear();
        if (policy.kind === 'flow-run') {
            // Resubmitting a failed run starts a new run of its own with the same trigger input.
            for (const [id, envelope] of failedRuns)
                givenUpOn.set(id, { envelope, sessionId: `baseline-${randomUUID()}` });
        } else {
            // Dead letters in the order they died, each to go back to the session it came from.
            for (const dead of await deps.deadLetters()) {
                const envelope = readDelivery(dead.body)?.envelope;
                if (!envelope || givenUpOn.has(envelope.transactionId)) continue;
                if (fates.get(envelope.transactionId)?.kind !== 'failed') continue;
                givenUpOn.set(envelope.transactionId, { envelope, sessionId: dead.sessionId });
            }
        }
        return [...givenUpOn.keys()];
    };
    const redrive = async (ids: string[]): Promise<void> => {
        const resend: OutgoingMessage[] = [];
        for (const id of ids) {
            const found = givenUpOn.get(id);
            if (!found) continue;
            failedRuns.delete(id);
            // A new message id: duplicate detection would drop the old one within its window.
            resend.push({
                messageId: `baseline-redrive-${randomUUID()}`,
                sessionId: found.sessionId,
                body: { baselineRedrive: { envelope: found.envelope } },
            });
        }
        if (resend.length > 0) await deps.send(resend);
    };

    return { kind: policy.kind, handler, fates, pending: () => pending, erpCalls, givenUp, redrive };
}

/** What the operator's re-drive took: transactions re-sent (each once or more), messages re-sent, passes. */
export interface RedriveSummary {
    /** When the first pass began; undefined if there was nothing to re-send. */
    startedAt: number | undefined;
    transactions: number;
    messages: number;
    passes: number;
}

/**
 * The operator's re-drive once the launch is over, in passes: everything the baseline gave up on is re-sent in batches
 * of at most `batchSize` (the ERP's rate limit per second: these consumers do not pace themselves, so a larger batch
 * would mostly be rate-limited straight back), each let to settle; and another pass while the last one posted
 * something (what posts in one pass can be what another's refusal waited for: a missing dependency, a cancellation),
 * `maxPasses` at most.
 */
export async function operatorRedrive(
    baseline: BaselineRun,
    options: { settle: () => Promise<void>; postedCount: () => number; batchSize: number; maxPasses?: number },
): Promise<RedriveSummary> {
    const startedAt = Date.now();
    const transactions = new Set<string>();
    const batchSize = Math.max(1, Math.floor(options.batchSize));
    let messages = 0;
    let passes = 0;
    while (passes < (options.maxPasses ?? 5)) {
        const ids = await baseline.givenUp();
        if (ids.length === 0) break;
        passes++;
        const before = options.postedCount();
        for (let i = 0; i < ids.length; i += batchSize) {
            const batch = ids.slice(i, i + batchSize);
            await baseline.redrive(batch);
            messages += batch.length;
            for (const id of batch) transactions.add(id);
            await options.settle();
        }
        if (options.postedCount() === before) break;
    }
    return { startedAt: messages > 0 ? startedAt : undefined, transactions: transactions.size, messages, passes };
}
