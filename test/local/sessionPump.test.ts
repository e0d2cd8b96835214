import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { combinedPump, type SessionPumpOptions, startSessionPump } from '../../local/sessionPump';
import { EmbeddedSessionQueue } from '../../src/adapters/embedded/embeddedSessionQueue';
import type { LogFields } from '../../src/ports/logger';
import type { OutgoingMessage, ReceivedMessage } from '../../src/ports/sessionQueue';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
    handler: (m: ReceivedMessage) => Promise<void>,
    options: Partial<SessionPumpOptions> = {},
    lockDurationMs = 30_000,
) {
    const queue = await EmbeddedSessionQueue.open({
        directory: await mkdtemp(join(tmpdir(), 'pump-')),
        maxDeliveryCount: 3,
        lockDurationMs,
    });
    const pump = startSessionPump(queue, handler, { maxConcurrentSessions: 4, sessionIdleTimeoutMs: 100, ...options });
    cleanups.push(() => queue.close());
    cleanups.push(() => pump.stop());
    return { queue, pump };
}

const message = (sessionId: string, n: number): OutgoingMessage => ({
    messageId: `${sessionId}-${n}`,
    sessionId,
    body: { n },
});
const n = (m: ReceivedMessage) => (m.body as { n: number }).n;

describe('startSessionPump', () => {
    for (const maxMessagesPerReceive of [1, 5]) {
        it(`processes each session in order while sessions interleave (${maxMessagesPerReceive} per receive)`, async () => {
            const seen: Record<string, number[]> = {};
            const { queue, pump } = await setup(
                async (m) => {
                    seen[m.sessionId] = [...(seen[m.sessionId] ?? []), n(m)];
                    await sleep(1);
                },
                { maxMessagesPerReceive },
            );
            const sends = [];
            for (let i = 0; i < 20; i++) for (const s of ['u1', 'u2', 'u3']) sends.push(message(s, i));
            await queue.send(sends);
            await pump.idle();
            const expected = Array.from({ length: 20 }, (_, i) => i);
            expect(seen).toEqual({ u1: expected, u2: expected, u3: expected });
            expect(pump.stats).toEqual({ completed: 60, abandoned: 0 });
        });
    }

    it('runs sessions concurrently, up to maxConcurrentSessions and no more', async () => {
        let running = 0;
        let peak = 0;
        let bothStarted: () => void = () => {};
        const barrier = new Promise<void>((resolve) => {
            bothStarted = resolve;
        });
        const { queue, pump } = await setup(
            async () => {
                running++;
                peak = Math.max(peak, running);
                if (running === 2) bothStarted();
                // Without concurrency the barrier never opens; the time-out only keeps a failing run short.
                await Promise.race([barrier, sleep(2000)]);
                await sleep(20);
                running--;
            },
            { maxConcurrentSessions: 2 },
        );
        await queue.send(['a', 'b', 'c', 'd'].map((s) => message(s, 1)));
        await pump.idle();
        expect([peak, pump.stats.completed]).toEqual([2, 4]);
    });

    it('redelivers when the handler throws, then dead-letters after the maximum, logging without the body', async () => {
        const deliveries: number[] = [];
        const warnings: Array<[string, LogFields | undefined]> = [];
        const logger = {
            info: () => {},
            error: () => {},
            warn: (msg: string, f?: LogFields) => warnings.push([msg, f]),
        };
        const { queue, pump } = await setup(
            async (m) => {
                deliveries.push(m.deliveryCount);
                throw new Error('ERP down');
            },
            { logger },
        );
        await queue.send([message('u1', 1)]);
        await pump.idle();
        expect(deliveries).toEqual([1, 2, 3]);
        expect((await queue.peekDeadLetters(5)).map((d) => d.deadLetterReason)).toEqual(['MaxDeliveryCountExceeded']);
        expect(pump.stats).toEqual({ completed: 0, abandoned: 3 });
        expect(warnings[0]).toEqual([
            'handler failed; message abandoned for redelivery',
            { messageId: 'u1-1', sessionId: 'u1', deliveryCount: 1, error: 'ERP down' },
        ]);
    });

    it('keeps session order when a handler fails with later messages already in hand', async () => {
        const handled: string[] = [];
        let failed = false;
        const { queue, pump } = await setup(
            async (m) => {
                handled.push(`${n(m)}#${m.deliveryCount}`);
                if (n(m) === 3 && !failed) {
                    failed = true;
                    throw new Error('transient');
                }
            },
            { maxMessagesPerReceive: 5 },
        );
        await queue.send([1, 2, 3, 4, 5].map((i) => message('u1', i)));
        await pump.idle();
        expect(handled).toEqual(['1#1', '2#1', '3#1', '3#2', '4#1', '5#1']);
    });

    it('renews the session lock while a handler runs longer than the lock', async () => {
        const deliveries: number[] = [];
        const { queue, pump } = await setup(
            async (m) => {
                deliveries.push(m.deliveryCount);
                await sleep(900);
            },
            { renewEveryMs: 100 },
            300,
        );
        await queue.send([message('u1', 1)]);
        await pump.idle();
        expect([deliveries, pump.stats]).toEqual([[1], { completed: 1, abandoned: 0 }]);
    });

    it('releases an idle session so a single worker moves on to the next one', async () => {
        const handled: string[] = [];
        const { queue, pump } = await setup(async (m) => void handled.push(m.sessionId), { maxConcurrentSessions: 1 });
        await queue.send([message('a', 1)]);
        await pump.idle();
        await queue.send([message('b', 1)]);
        await pump.idle();
        expect(handled).toEqual(['a', 'b']);
    });

    it('waits in idle() for work that handlers enqueue', async () => {
        const handled: string[] = [];
        const { queue, pump } = await setup(async (m) => {
            handled.push(m.messageId);
            await sleep(30);
            if (m.sessionId === 'a') await queue.send([message('b', n(m))]);
        });
        await queue.send([message('a', 1), message('a', 2)]);
        await pump.idle();
        expect(handled.sort()).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
    });

    it('stops cleanly: the running handler finishes and is completed, nothing else starts, sessions are released', async () => {
        const started: number[] = [];
        let release: () => void = () => {};
        const inHandler = new Promise<void>((resolve) => {
            release = resolve;
        });
        let entered: () => void = () => {};
        const handlerEntered = new Promise<void>((resolve) => {
            entered = resolve;
        });
        const { queue, pump } = await setup(
            async (m) => {
                started.push(n(m));
                entered();
                await inHandler;
            },
            { maxConcurrentSessions: 1 },
        );
        await queue.send([message('u1', 1), message('u1', 2)]);
        await handlerEntered;
        const stopping = pump.stop();
        release();
        await stopping;
        expect([started, pump.stats]).toEqual([[1], { completed: 1, abandoned: 0 }]);
        const lease = await queue.acceptNextSession(200);
        const rest = (await lease?.receive(5, 100)) ?? [];
        expect(rest.map((m) => [n(m), m.deliveryCount])).toEqual([[2, 1]]);
        await pump.idle(); // resolves at once after stop
    });
});

describe('combinedPump (instances on one queue)', () => {
    it("is idle only once every instance's pump is: a slow instance's handlers are waited for", async () => {
        const handledBy: Record<string, string> = {};
        const { queue, pump: fast } = await setup(async (m) => {
            await sleep(10);
            handledBy[m.messageId] = 'fast';
        });
        const slow = startSessionPump(
            queue,
            async (m) => {
                await sleep(1_500);
                handledBy[m.messageId] = 'slow';
            },
            { maxConcurrentSessions: 4, sessionIdleTimeoutMs: 100 },
        );
        cleanups.push(() => slow.stop());
        const both = combinedPump([fast, slow]);
        await queue.send(Array.from({ length: 12 }, (_, i) => message(`u${i}`, i)));
        await both.idle();
        // The fast instance ran out of work long before the slow one's handlers ended; idle() waited for them too.
        expect(Object.keys(handledBy)).toHaveLength(12);
        expect(new Set(Object.values(handledBy))).toEqual(new Set(['fast', 'slow']));
        expect(both.stats).toEqual({ completed: 12, abandoned: 0 });
    });
});
