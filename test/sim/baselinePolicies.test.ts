import { describe, expect, it } from 'vitest';
import { baselineRun, powerAutomateDefault, queueThreeAttempts } from '../../sim/baselinePolicies';
import { MemoryMappingLookup } from '../../src/adapters/memory/memoryMappingLookup';
import { loadConfigFile } from '../../src/config/configFile';
import { erpMapSchema } from '../../src/mapping/erpMapSchema';
import type { ErpClient, ErpPostOutcome } from '../../src/ports/erpClient';
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

function scriptedErp(answers: ErpPostOutcome[]): ErpClient & { posts: number } {
    const erp = {
        posts: 0,
        post: async () => {
            erp.posts++;
            return answers.shift() ?? { kind: 'posted' as const, postingId: 'P-1', replayed: false };
        },
        findPostings: async () => [],
        periodStatus: async () => 'open' as const,
    };
    return erp;
}

function delivery(body: unknown): ReceivedMessage {
    return {
        messageId: 'm',
        sessionId: 's',
        body,
        applicationProperties: {},
        deliveryCount: 1,
        enqueuedAt: new Date(),
        lockToken: 't',
    };
}

/** Runs a baseline on one transaction, delivering each scheduled retry at once, and returns what happened. */
async function run(policy: typeof powerAutomateDefault, answers: ErpPostOutcome[]) {
    const erp = scriptedErp(answers);
    const sent: OutgoingMessage[] = [];
    const baseline = baselineRun(policy, {
        erp,
        erpMap,
        lookup: new MemoryMappingLookup(),
        send: async (m) => {
            sent.push(...m);
        },
        random: () => 0.5,
        timeScale: 0.1,
    });
    const tx = unitTransaction('u1', 'receipt', 1);
    await baseline.handler(delivery(tx));
    for (let i = 0; i < sent.length; i++) await baseline.handler(delivery(sent[i]?.body));
    return { erp, sent, fate: baseline.fates.get(tx.transactionId), baseline };
}

describe('baseline: Power Automate default retry policy', () => {
    it('waits 5–45 s, growing exponentially from about 7.5 s', () => {
        const waits = [1, 2, 3, 4].map((r) => powerAutomateDefault.delayMs(r, () => 0.5));
        expect(waits).toEqual([7_500, 15_000, 30_000, 45_000]);
        for (const r of [1, 2, 3, 4, 5, 6])
            for (const x of [0, 0.99]) {
                const w = powerAutomateDefault.delayMs(r, () => x);
                expect(w).toBeGreaterThanOrEqual(5_000);
                expect(w).toBeLessThanOrEqual(45_000);
            }
    });

    it('gives up after 4 retries of an outage, each retry scheduled (scaled) in a session of its own', async () => {
        const before = Date.now();
        const { erp, sent, fate, baseline } = await run(powerAutomateDefault, Array(10).fill(unavailable));
        expect(erp.posts).toBe(5);
        expect(fate).toMatchObject({ kind: 'failed', attempts: 5 });
        expect(baseline.erpCalls).toEqual({ first: 1, retry: 4 });
        expect(baseline.pending()).toBe(0);
        expect(new Set(sent.map((m) => m.sessionId)).size).toBe(4);
        const firstWait = (sent[0]?.scheduledEnqueueTime?.getTime() ?? 0) - before;
        expect(firstWait).toBeGreaterThanOrEqual(750 - 5);
        expect(firstWait).toBeLessThan(7_500);
    });

    it('does not retry a business refusal (a frozen period): it fails at once', async () => {
        const { erp, fate } = await run(powerAutomateDefault, [frozen]);
        expect(erp.posts).toBe(1);
        expect(fate).toMatchObject({ kind: 'failed', code: 'PERIOD_FROZEN' });
    });

    it('posts once the ERP answers within its retries', async () => {
        const { erp, fate } = await run(powerAutomateDefault, [unavailable, unavailable]);
        expect(erp.posts).toBe(3);
        expect(fate).toEqual({ kind: 'posted' });
    });
});

describe('baseline: 3 attempts then dead-letter', () => {
    it('retries any failure at once and gives up after the third attempt', async () => {
        const before = Date.now();
        const { erp, sent, fate } = await run(queueThreeAttempts, [frozen, frozen, frozen, frozen]);
        expect(erp.posts).toBe(3);
        expect(fate).toMatchObject({ kind: 'failed', attempts: 3 });
        for (const m of sent) expect((m.scheduledEnqueueTime?.getTime() ?? 0) - before).toBeLessThan(1_000);
    });
});
