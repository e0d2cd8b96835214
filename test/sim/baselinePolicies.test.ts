import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSessionPump } from '../../local/sessionPump';
import {
    type BaselinePolicy,
    type BaselineRun,
    baselineRun,
    exponentialIntervalRange,
    logicAppsDefault,
    operatorRedrive,
    powerAutomateMedium,
    queueThreeAttempts,
} from '../../sim/baselinePolicies';
import { EmbeddedSessionQueue } from '../../src/adapters/embedded/embeddedSessionQueue';
import { MemoryMappingLookup } from '../../src/adapters/memory/memoryMappingLookup';
import { loadConfigFile } from '../../src/config/configFile';
import { erpMapSchema } from '../../src/mapping/erpMapSchema';
import type { ErpClient, ErpPostOutcome, ErpRequest } from '../../src/ports/erpClient';
import type { OutgoingMessage, ReceivedMessage } from '../../src/ports/sessionQueue';
import { unitTransaction } from '../support/pipelineWorld';

const erpMap = loadConfigFile('config/erp-map.v1.json', erpMapSchema);
const unavailable: ErpPostOutcome = {
    kind: 'failed',
    status: 503,
    failure: { class: 'transient', code: 'ERP_UNAVAILABLE', message: 'down', owner: 'integration' },
};
const frozen: ErpPostOutcome = {
    kind: 'failed',
    status: 409,
    failure: {
        class: 'blocked',
        code: 'PERIOD_FROZEN',
        message: 'frozen',
        owner: 'finance',
        condition: 'period x frozen',
    },
};

/** An ERP that answers from a script per transaction (then posts), recording the transaction of every post. */
function scriptedErp(answers: ErpPostOutcome[] | ((transactionId: string) => ErpPostOutcome | undefined)) {
    const posted: string[] = [];
    const erp: ErpClient & { posts: number; posted: string[] } = {
        posts: 0,
        posted,
        post: async (request: ErpRequest) => {
            erp.posts++;
            const id = String(request.body.integrationReference);
            posted.push(id);
            const scripted = typeof answers === 'function' ? answers(id) : answers.shift();
            return scripted ?? { kind: 'posted' as const, postingId: `P-${erp.posts}`, replayed: false };
        },
        findPostings: async () => [],
        periodStatus: async () => 'open' as const,
    };
    return erp;
}

function delivery(body: unknown, deliveryCount = 1): ReceivedMessage {
    return {
        messageId: 'm',
        sessionId: 's',
        body,
        applicationProperties: {},
        deliveryCount,
        enqueuedAt: new Date(),
        lockToken: 't',
    };
}

/** Runs a flow baseline on one transaction, delivering each scheduled retry at once, and returns what happened. */
async function runFlow(policy: BaselinePolicy, answers: ErpPostOutcome[]) {
    const erp = scriptedErp(answers);
    const sent: OutgoingMessage[] = [];
    const baseline = baselineRun(policy, {
        erp,
        erpMap,
        lookup: new MemoryMappingLookup(),
        send: async (m) => {
            sent.push(...m);
        },
        deadLetters: async () => [],
        random: () => 0.5,
        timeScale: 0.1,
    });
    const tx = unitTransaction('u1', 'receipt', 1);
    await baseline.handler(delivery(tx));
    for (let i = 0; i < sent.length; i++) await baseline.handler(delivery(sent[i]?.body));
    return { erp, sent, fate: baseline.fates.get(tx.transactionId), baseline, tx };
}

const seconds = (r: { fromMs: number; toMs: number }) => [r.fromMs / 1000, r.toMs / 1000];

describe('baseline: Logic Apps default retry policy', () => {
    const p = { intervalMs: 7_500, minimumMs: 5_000, maximumMs: 45_000 };

    it("draws each wait from Logic Apps' exponential interval ranges: 5–7.5, 7.5–15, 15–30, 30–45 s", () => {
        expect([1, 2, 3, 4].map((r) => seconds(exponentialIntervalRange(r, p)))).toEqual([
            [5, 7.5],
            [7.5, 15],
            [15, 30],
            [30, 45],
        ]);
        for (const r of [1, 2, 3, 4])
            for (const x of [0, 0.5, 0.999]) {
                const w = logicAppsDefault.delayMs(r, () => x);
                const { fromMs, toMs } = exponentialIntervalRange(r, p);
                expect(w).toBeGreaterThanOrEqual(fromMs);
                expect(w).toBeLessThanOrEqual(toMs);
            }
        expect(logicAppsDefault.delayMs(1, () => 0)).toBe(5_000);
        expect(logicAppsDefault.delayMs(4, () => 1)).toBe(45_000);
    });

    it('gives up after 4 retries of an outage, each retry scheduled (scaled) in a run of its own', async () => {
        const before = Date.now();
        const { erp, sent, fate, baseline } = await runFlow(logicAppsDefault, Array(10).fill(unavailable));
        expect(erp.posts).toBe(5);
        expect(fate).toMatchObject({ kind: 'failed', attempts: 5 });
        expect(baseline.erpCalls).toEqual({ first: 1, retry: 4 });
        expect(baseline.pending()).toBe(0);
        expect(new Set(sent.map((m) => m.sessionId)).size).toBe(4);
        const firstWait = (sent[0]?.scheduledEnqueueTime?.getTime() ?? 0) - before;
        // random 0.5 in 5–7.5 s = 6.25 s, × 0.1
        expect(firstWait).toBeGreaterThanOrEqual(625 - 5);
        expect(firstWait).toBeLessThan(750);
    });

    it('does not retry a business refusal (a frozen period): the run fails at once', async () => {
        const { erp, fate } = await runFlow(logicAppsDefault, [frozen]);
        expect(erp.posts).toBe(1);
        expect(fate).toMatchObject({ kind: 'failed', code: 'PERIOD_FROZEN' });
    });

    it('posts once the ERP answers within its retries', async () => {
        const { erp, fate } = await runFlow(logicAppsDefault, [unavailable, unavailable]);
        expect(erp.posts).toBe(3);
        expect(fate).toEqual({ kind: 'posted', redriven: false });
    });

    it('a failed run resubmitted by the operator is a new run, and posts as re-driven', async () => {
        const { baseline, sent, tx, erp } = await runFlow(logicAppsDefault, [frozen]);
        expect(await baseline.givenUp()).toEqual([tx.transactionId]);
        await baseline.redrive([tx.transactionId]);
        const resubmitted = sent.at(-1);
        expect(resubmitted?.body).toEqual({ baselineRedrive: { envelope: tx } });
        await baseline.handler(delivery(resubmitted?.body));
        expect(baseline.fates.get(tx.transactionId)).toEqual({ kind: 'posted', redriven: true });
        expect(baseline.erpCalls).toEqual({ first: 1, retry: 1 });
        expect(erp.posts).toBe(2);
        // Nothing is left to resubmit twice.
        expect(await baseline.givenUp()).toEqual([]);
    });
});

describe("baseline: Power Automate's default retry policy, Medium profile", () => {
    it('retries 8 times: 9 attempts in all against an outage', async () => {
        const { erp, fate, baseline } = await runFlow(powerAutomateMedium, Array(20).fill(unavailable));
        expect(powerAutomateMedium.maxAttempts).toBe(9);
        expect(erp.posts).toBe(9);
        expect(fate).toMatchObject({ kind: 'failed', attempts: 9 });
        expect(baseline.erpCalls).toEqual({ first: 1, retry: 8 });
    });

    it('waits grow from a 7 s scale to about 15 minutes for the last retry', () => {
        const p = { intervalMs: 7_000, minimumMs: 5_000, maximumMs: 86_400_000 };
        expect(seconds(exponentialIntervalRange(1, p))).toEqual([5, 7]);
        expect(seconds(exponentialIntervalRange(2, p))).toEqual([7, 14]);
        expect(seconds(exponentialIntervalRange(8, p))).toEqual([448, 896]);
        const last = powerAutomateMedium.delayMs(8, () => 1);
        expect(last / 60_000).toBeCloseTo(15, 0);
        for (let r = 1; r < 8; r++)
            expect(powerAutomateMedium.delayMs(r + 1, () => 0)).toBeGreaterThanOrEqual(
                powerAutomateMedium.delayMs(r, () => 0),
            );
    });

    it('retries 408, 429, 5xx and no answer, not a 409', () => {
        const failed = (status?: number) => ({ ...unavailable, status }) as Extract<ErpPostOutcome, { kind: 'failed' }>;
        for (const s of [408, 429, 500, 503, undefined]) expect(powerAutomateMedium.retries(failed(s))).toBe(true);
        for (const s of [400, 404, 409, 422]) expect(powerAutomateMedium.retries(failed(s))).toBe(false);
    });
});

describe('baseline: 3 deliveries then dead-letter, on a session queue', () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
        for (const c of cleanups.splice(0).reverse()) await c();
    });

    /** The baseline behind the real embedded session queue and the local host's pump (abandon on a throw). */
    async function onQueue(answer: (transactionId: string) => ErpPostOutcome | undefined) {
        const queue = await EmbeddedSessionQueue.open({
            directory: await mkdtemp(join(tmpdir(), 'baseline-')),
            maxDeliveryCount: queueThreeAttempts.maxAttempts,
        });
        const erp = scriptedErp(answer);
        const baseline = baselineRun(queueThreeAttempts, {
            erp,
            erpMap,
            lookup: new MemoryMappingLookup(),
            send: (m) => queue.send(m),
            deadLetters: () => queue.peekDeadLetters(1000),
            random: () => 0.5,
            timeScale: 1,
        });
        const pump = startSessionPump(queue, baseline.handler, { maxConcurrentSessions: 4, sessionIdleTimeoutMs: 50 });
        cleanups.push(() => queue.close());
        cleanups.push(() => pump.stop());
        const unit = [1, 2, 3].map((n) => unitTransaction('u7', 'receipt', n));
        await queue.send(unit.map((tx) => ({ messageId: tx.transactionId, sessionId: tx.sessionId, body: tx })));
        return { queue, erp, baseline, pump, unit };
    }

    it("never delivers a unit's later message before an abandoned earlier one", async () => {
        let failures = 2;
        const { erp, pump, unit, baseline } = await onQueue((id) =>
            id === unit[0]?.transactionId && failures-- > 0 ? unavailable : undefined,
        );
        await pump.idle();
        const [a, b, c] = unit.map((tx) => tx.transactionId);
        expect(erp.posted).toEqual([a, a, a, b, c]);
        expect(pump.stats.abandoned).toBe(2);
        expect(baseline.fates.get(a ?? '')).toEqual({ kind: 'posted', redriven: false });
        expect(baseline.erpCalls).toEqual({ first: 3, retry: 2 });
    });

    it('dead-letters after the third delivery, lets the unit go on, and the re-driven one posts as a re-drive', async () => {
        let open = false;
        const { queue, erp, pump, unit, baseline } = await onQueue((id) =>
            id === unit[0]?.transactionId && !open ? frozen : undefined,
        );
        await pump.idle();
        const [a, b, c] = unit.map((tx) => tx.transactionId);
        expect(erp.posted).toEqual([a, a, a, b, c]);
        const dead = await queue.peekDeadLetters(10);
        expect(dead.map((m) => (m.body as { transactionId: string }).transactionId)).toEqual([a]);
        expect(baseline.fates.get(a ?? '')).toMatchObject({ kind: 'failed', attempts: 3, code: 'PERIOD_FROZEN' });

        open = true;
        expect(await baseline.givenUp()).toEqual([a]);
        await baseline.redrive([a ?? '']);
        await pump.idle();
        expect(erp.posted).toEqual([a, a, a, b, c, a]);
        expect(baseline.fates.get(a ?? '')).toEqual({ kind: 'posted', redriven: true });
        expect(baseline.erpCalls).toEqual({ first: 3, retry: 3 });
    });
});

describe("the operator's re-drive", () => {
    /** A baseline that gives up on `givenUp[pass]`; each batch re-sent posts `postsPerBatch[pass]`. */
    function scripted(givenUp: string[][], postsPerBatch: number[]) {
        let posted = 0;
        let pass = -1;
        const batches: string[][] = [];
        const baseline = {
            givenUp: async () => {
                pass++;
                return givenUp[pass] ?? [];
            },
            redrive: async (ids: string[]) => {
                batches.push(ids);
            },
        } as unknown as BaselineRun;
        const settle = async () => {
            posted += postsPerBatch[pass] ?? 0;
        };
        return { baseline, settle, postedCount: () => posted, batches };
    }
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

    it('re-sends in batches of at most batchSize, and passes again while a pass posts something', async () => {
        const s = scripted([ids('t', 10), ids('t', 3), ids('t', 3)], [2, 0, 5]);
        const r = await operatorRedrive(s.baseline, { ...s, batchSize: 4 });
        expect(s.batches.map((b) => b.length)).toEqual([4, 4, 2, 3]);
        expect(r).toMatchObject({ transactions: 10, messages: 13, passes: 2 });
        expect(r.startedAt).toBeTypeOf('number');
    });

    it('stops after maxPasses, and has not begun when there was nothing to re-send', async () => {
        const s = scripted([ids('a', 5), ids('b', 5), ids('c', 5)], [1, 1, 1]);
        expect(await operatorRedrive(s.baseline, { ...s, batchSize: 100, maxPasses: 2 })).toMatchObject({
            transactions: 10,
            messages: 10,
            passes: 2,
        });
        const none = scripted([[]], [0]);
        expect(await operatorRedrive(none.baseline, { ...none, batchSize: 100 })).toEqual({
            startedAt: undefined,
            transactions: 0,
            messages: 0,
            passes: 0,
        });
    });
});
