import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSessionPump } from '../../local/sessionPump';
import { EmbeddedSessionQueue } from '../../src/adapters/embedded/embeddedSessionQueue';
import type { ReceivedMessage } from '../../src/ports/sessionQueue';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(handler: (m: ReceivedMessage) => Promise<void>, maxConcurrentSessions = 4) {
    const queue = await EmbeddedSessionQueue.open({
        directory: mkdtempSync(join(tmpdir(), 'pump-')),
        maxDeliveryCount: 3,
    });
    const pump = startSessionPump(queue, handler, { maxConcurrentSessions, sessionIdleTimeoutMs: 100 });
    cleanups.push(() => queue.close());
    cleanups.push(() => pump.stop());
    return { queue, pump };
}

describe('startSessionPump', () => {
    it('processes each session in order while sessions interleave', async () => {
        const seen: Record<string, number[]> = {};
        const { queue, pump } = await setup(async (m) => {
            seen[m.sessionId] = [...(seen[m.sessionId] ?? []), (m.body as { n: number }).n];
        });
        const sends = [];
        for (let n = 0; n < 20; n++)
            for (const s of ['u1', 'u2', 'u3']) sends.push({ messageId: `${s}-${n}`, sessionId: s, body: { n } });
        await queue.send(sends);
        await pump.idle();
        const expected = Array.from({ length: 20 }, (_, n) => n);
        expect(seen).toEqual({ u1: expected, u2: expected, u3: expected });
    });

    it('runs different sessions concurrently', async () => {
        let running = 0;
        let peak = 0;
        const { queue, pump } = await setup(async () => {
            running++;
            peak = Math.max(peak, running);
            await new Promise((r) => setTimeout(r, 30));
            running--;
        });
        await queue.send(['a', 'b', 'c', 'd'].map((s) => ({ messageId: s, sessionId: s, body: {} })));
        await pump.idle();
        expect(peak).toBeGreaterThan(1);
    });

    it('redelivers when the handler throws, then dead-letters after the maximum', async () => {
        const deliveries: number[] = [];
        const { queue, pump } = await setup(async (m) => {
            deliveries.push(m.deliveryCount);
            throw new Error('ERP down');
        });
        await queue.send([{ messageId: 'x', sessionId: 'u1', body: {} }]);
        await pump.idle();
        expect(deliveries).toEqual([1, 2, 3]);
        expect((await queue.peekDeadLetters(5)).map((d) => d.deadLetterReason)).toEqual(['MaxDeliveryCountExceeded']);
        expect(pump.stats).toEqual({ completed: 0, abandoned: 3 });
    });
});
