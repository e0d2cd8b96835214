import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage, ReceivedMessage, SessionLease, SessionQueue } from '../../src/ports/sessionQueue';

export interface SessionQueueFactory {
    create(): Promise<SessionQueue>;
    /** Opens the same queue again as a new process would (durability); omitted where it cannot apply. */
    reopen?(): Promise<SessionQueue>;
    lockDurationMs: number;
    maxDeliveryCount: number;
    /** When set, the suite is skipped and its title says why. */
    skip?: string;
}

/**
 * The Service Bus session semantics the pipeline relies on; every SessionQueue implementation must pass it.
 * Session ids are unique per test and foreign sessions are passed over, so it can run against a shared namespace.
 */
export function runSessionQueueContract(name: string, factory: SessionQueueFactory): void {
    const suite = factory.skip ? describe.skip : describe;
    suite(`SessionQueue contract: ${name}${factory.skip ? ` (skipped: ${factory.skip})` : ''}`, () => {
        const open: SessionQueue[] = [];
        let prefix = '';
        const session = (label: string) => `${prefix}${label}`;
        const msg = (label: string, n: number, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
            messageId: `${session(label)}-${n}`,
            sessionId: session(label),
            body: { n },
            ...extra,
        });
        const create = async () => {
            prefix = `contract-${randomUUID().slice(0, 8)}-`;
            const q = await factory.create();
            open.push(q);
            return q;
        };
        afterEach(async () => {
            for (const q of open.splice(0)) await q.close().catch(() => undefined);
        });

        /** The next session of this test; other sessions (left by earlier runs on a shared queue) are skipped. */
        const acceptOwn = async (q: SessionQueue, waitMs: number): Promise<SessionLease | null> => {
            const deadline = performance.now() + waitMs;
            const foreign: SessionLease[] = [];
            try {
                for (;;) {
                    const lease = await q.acceptNextSession(Math.max(0, deadline - performance.now()));
                    if (!lease) return null;
                    if (lease.sessionId.startsWith(prefix)) return lease;
                    foreign.push(lease);
                }
            } finally {
                for (const f of foreign) await f.close();
            }
        };
        const acceptOwnOrFail = async (q: SessionQueue, waitMs = 2000): Promise<SessionLease> => {
            const lease = await acceptOwn(q, waitMs);
            if (!lease) throw new Error('expected a session with visible messages');
            return lease;
        };
        const receiveOne = async (lease: SessionLease): Promise<ReceivedMessage> => {
            const [m] = await lease.receive(1, 2000);
            if (!m) throw new Error(`expected a message in session ${lease.sessionId}`);
            return m;
        };
        const drain = async (lease: SessionLease) => {
            const bodies: unknown[] = [];
            for (;;) {
                const [m] = await lease.receive(1, 300);
                if (!m) return bodies;
                bodies.push(m.body);
                await lease.complete(m);
            }
        };
        const ownDeadLetters = async (q: SessionQueue) =>
            (await q.peekDeadLetters(1000)).filter((d) => d.sessionId.startsWith(prefix));

        it('delivers one session in send order, up to max per receive, each message once per lease', async () => {
            const q = await create();
            await q.send([1, 2, 3, 4, 5].map((n) => msg('a', n, { correlationId: `c${n}`, subject: 'reservation' })));
            const lease = await acceptOwnOrFail(q);
            const first = await lease.receive(2, 2000);
            expect(first.map((m) => [m.body, m.deliveryCount, m.correlationId, m.subject])).toEqual([
                [{ n: 1 }, 1, 'c1', 'reservation'],
                [{ n: 2 }, 1, 'c2', 'reservation'],
            ]);
            for (const m of first) await lease.complete(m);
            expect(await drain(lease)).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }]);
            await lease.close();
        });

        it('carries application properties and the session id through', async () => {
            const q = await create();
            await q.send([msg('a', 1, { applicationProperties: { kind: 'receipt', version: 3, replay: false } })]);
            const lease = await acceptOwnOrFail(q);
            const m = await receiveOne(lease);
            expect([m.sessionId, m.messageId, m.applicationProperties]).toEqual([
                session('a'),
                `${session('a')}-1`,
                { kind: 'receipt', version: 3, replay: false },
            ]);
            await lease.complete(m);
            await lease.close();
        });

        it('locks a session to one receiver: a held session is not offered again until released', async () => {
            const q = await create();
            await q.send([msg('a', 1), msg('a', 2)]);
            const holder = await acceptOwnOrFail(q);
            const m1 = await receiveOne(holder);
            expect(await acceptOwn(q, 300)).toBeNull();
            await holder.complete(m1);
            await holder.close();
            const next = await acceptOwnOrFail(q);
            expect([next.sessionId, await drain(next)]).toEqual([session('a'), [{ n: 2 }]]);
            await next.close();
        });

        it('lets different sessions flow concurrently, each in its own order', async () => {
            const q = await create();
            await q.send([msg('a', 1), msg('b', 1), msg('a', 2), msg('b', 2)]);
            const first = await acceptOwnOrFail(q);
            const second = await acceptOwnOrFail(q);
            expect([first.sessionId, second.sessionId].sort()).toEqual([session('a'), session('b')]);
            const [x, y] = await Promise.all([receiveOne(first), receiveOne(second)]);
            await Promise.all([first.complete(x), second.complete(y)]);
            const [restFirst, restSecond] = await Promise.all([drain(first), drain(second)]);
            expect([x.body, y.body, restFirst, restSecond]).toEqual([{ n: 1 }, { n: 1 }, [{ n: 2 }], [{ n: 2 }]]);
            await Promise.all([first.close(), second.close()]);
        });

        it('wakes a waiting receiver when a message for its session arrives', async () => {
            const q = await create();
            await q.send([msg('a', 1)]);
            const lease = await acceptOwnOrFail(q);
            await lease.complete(await receiveOne(lease));
            const waiting = lease.receive(1, 3000);
            await q.send([msg('a', 2)]);
            const [m] = await waiting;
            expect(m?.body).toEqual({ n: 2 });
            await lease.complete(m as ReceivedMessage);
            await lease.close();
        });

        it('redelivers an abandoned message first, with its delivery count raised', async () => {
            const q = await create();
            await q.send([msg('a', 1), msg('a', 2)]);
            const lease = await acceptOwnOrFail(q);
            const first = await receiveOne(lease);
            expect(first.deliveryCount).toBe(1);
            await lease.abandon(first);
            const again = await receiveOne(lease);
            expect([again.body, again.deliveryCount]).toEqual([{ n: 1 }, 2]);
            await lease.complete(again);
            expect(await drain(lease)).toEqual([{ n: 2 }]);
            await lease.close();
        });

        it('dead-letters a message after the maximum delivery count, with reason MaxDeliveryCountExceeded', async () => {
            const q = await create();
            await q.send([msg('a', 1)]);
            const counts: number[] = [];
            for (let i = 0; i < factory.maxDeliveryCount; i++) {
                const lease = await acceptOwnOrFail(q);
                const m = await receiveOne(lease);
                counts.push(m.deliveryCount);
                await lease.abandon(m);
                await lease.close();
            }
            expect(counts).toEqual(Array.from({ length: factory.maxDeliveryCount }, (_, i) => i + 1));
            expect(await acceptOwn(q, 500)).toBeNull();
            const dead = await ownDeadLetters(q);
            expect(dead.map((d) => [d.body, d.deadLetterReason])).toEqual([[{ n: 1 }, 'MaxDeliveryCountExceeded']]);
        });

        it('moves a message to the dead-letter queue on request, with reason and description', async () => {
            const q = await create();
            await q.send([msg('a', 1), msg('a', 2)]);
            const lease = await acceptOwnOrFail(q);
            await lease.deadLetter(await receiveOne(lease), {
                reason: 'EnvelopeInvalid',
                description: 'not a transaction',
            });
            expect(await drain(lease)).toEqual([{ n: 2 }]);
            await lease.close();
            const dead = await ownDeadLetters(q);
            expect(dead.map((d) => [d.body, d.deadLetterReason, d.deadLetterDescription])).toEqual([
                [{ n: 1 }, 'EnvelopeInvalid', 'not a transaction'],
            ]);
        });

        it('releases a session whose lock expires; settling then fails with SESSION_LOCK_LOST and it is redelivered', async () => {
            const q = await create();
            await q.send([msg('a', 1)]);
            const lease = await acceptOwnOrFail(q);
            const m = await receiveOne(lease);
            await sleep(factory.lockDurationMs * 1.2 + 200);
            await expect(lease.complete(m)).rejects.toMatchObject({ code: 'SESSION_LOCK_LOST' });
            const next = await acceptOwnOrFail(q);
            const again = await receiveOne(next);
            expect([again.body, again.deliveryCount]).toEqual([{ n: 1 }, 2]);
            await next.complete(again);
            await next.close();
        });

        it('keeps a session while its lock is renewed', async () => {
            const q = await create();
            await q.send([msg('a', 1)]);
            const lease = await acceptOwnOrFail(q);
            const m = await receiveOne(lease);
            for (let i = 0; i < 3; i++) {
                await sleep(factory.lockDurationMs / 2);
                await lease.renewLock();
            }
            await lease.complete(m);
            await lease.close();
            expect(await acceptOwn(q, 300)).toBeNull();
        });

        it('refuses to settle after the lease is closed, or twice, with SESSION_LOCK_LOST', async () => {
            const q = await create();
            await q.send([msg('a', 1), msg('a', 2)]);
            const lease = await acceptOwnOrFail(q);
            const [m1, m2] = await lease.receive(2, 2000);
            await lease.complete(m1 as ReceivedMessage);
            await expect(lease.complete(m1 as ReceivedMessage)).rejects.toMatchObject({ code: 'SESSION_LOCK_LOST' });
            await lease.close();
            await expect(lease.complete(m2 as ReceivedMessage)).rejects.toMatchObject({ code: 'SESSION_LOCK_LOST' });
            const next = await acceptOwnOrFail(q);
            const again = await receiveOne(next);
            expect([again.body, again.deliveryCount]).toEqual([{ n: 2 }, 2]);
            await next.complete(again);
            await next.close();
        });

        it('drops a message whose id was already sent (duplicate detection)', async () => {
            const q = await create();
            await q.send([{ messageId: `${session('a')}-same`, sessionId: session('a'), body: { n: 1 } }]);
            await q.send([{ messageId: `${session('a')}-same`, sessionId: session('a'), body: { n: 2 } }]);
            const lease = await acceptOwnOrFail(q);
            expect(await drain(lease)).toEqual([{ n: 1 }]);
            await lease.close();
        });

        it('hides a scheduled message until its time', async () => {
            const q = await create();
            await q.send([
                msg('a', 1, {
                    scheduledEnqueueTime: new Date(Date.now() + Math.max(1500, factory.lockDurationMs / 2)),
                }),
            ]);
            expect(await acceptOwn(q, 300)).toBeNull();
            const lease = await acceptOwnOrFail(q, 10_000);
            expect(await drain(lease)).toEqual([{ n: 1 }]);
            await lease.close();
        });

        if (factory.reopen) {
            const reopen = factory.reopen;
            it('keeps what send acknowledged across a restart, and redelivers what was not settled', async () => {
                const q = await create();
                await q.send([msg('a', 1), msg('a', 2), msg('a', 3)]);
                const lease = await acceptOwnOrFail(q);
                const [m1] = await lease.receive(2, 1000);
                await lease.complete(m1 as ReceivedMessage); // the second stays delivered and unsettled
                await q.send([msg('b', 1)]);
                // No close: the process dies here.
                const again = await reopen();
                open.push(again);
                const seen: Record<string, Array<[unknown, number]>> = {};
                for (;;) {
                    const l = await acceptOwn(again, 300);
                    if (!l) break;
                    for (;;) {
                        const [r] = await l.receive(1, 100);
                        if (!r) break;
                        seen[l.sessionId] = [...(seen[l.sessionId] ?? []), [r.body, r.deliveryCount]];
                        await l.complete(r);
                    }
                    await l.close();
                }
                expect(seen).toEqual({
                    [session('a')]: [
                        [{ n: 2 }, 2],
                        [{ n: 3 }, 1],
                    ],
                    [session('b')]: [[{ n: 1 }, 1]],
                });
            });
        }
    });
}
