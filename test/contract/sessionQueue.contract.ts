import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage, SessionLease, SessionQueue } from '../../src/ports/sessionQueue';

export interface SessionQueueFactory {
    create(): Promise<SessionQueue>;
    /** Opens the same queue again as a new process would (durability); omitted where it cannot apply. */
    reopen?(): Promise<SessionQueue>;
    lockDurationMs: number;
    maxDeliveryCount: number;
    /** When set, the suite is skipped and its title says why. */
    skip?: string;
}

const msg = (sessionId: string, n: number, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
    messageId: `${sessionId}-${n}-${Math.random().toString(36).slice(2)}`,
    sessionId,
    body: { n },
    ...extra,
});

/** The Service Bus session semantics the pipeline relies on; every SessionQueue implementation must pass it. */
export function runSessionQueueContract(name: string, factory: SessionQueueFactory): void {
    const suite = factory.skip ? describe.skip : describe;
    suite(`SessionQueue contract: ${name}${factory.skip ? ` (skipped: ${factory.skip})` : ''}`, () => {
        const open: SessionQueue[] = [];
        const create = async () => {
            const q = await factory.create();
            open.push(q);
            return q;
        };
        afterEach(async () => {
            for (const q of open.splice(0)) await q.close().catch(() => undefined);
        });
        const drain = async (lease: SessionLease) => {
            const bodies: unknown[] = [];
            for (;;) {
                const [m] = await lease.receive(1, 100);
                if (!m) return bodies;
                bodies.push(m.body);
                await lease.complete(m);
            }
        };

        it('delivers one session in send order', async () => {
            const q = await create();
            await q.send([1, 2, 3, 4, 5].map((n) => msg('unit-a', n)));
            const lease = await q.acceptNextSession(1000);
            expect(lease?.sessionId).toBe('unit-a');
            expect(await drain(lease as SessionLease)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
            await lease?.close();
        });

        it('gives a session to one receiver at a time while other sessions flow', async () => {
            const q = await create();
            await q.send([msg('unit-a', 1), msg('unit-b', 1)]);
            const first = await q.acceptNextSession(1000);
            const second = await q.acceptNextSession(1000);
            expect([first?.sessionId, second?.sessionId].sort()).toEqual(['unit-a', 'unit-b']);
            expect(await q.acceptNextSession(200)).toBeNull();
            await first?.close();
            await second?.close();
        });

        it('redelivers an abandoned message first, with its delivery count raised', async () => {
            const q = await create();
            await q.send([msg('unit-a', 1), msg('unit-a', 2)]);
            const lease = (await q.acceptNextSession(1000)) as SessionLease;
            const [first] = await lease.receive(1, 1000);
            expect(first?.deliveryCount).toBe(1);
            await lease.abandon(first as NonNullable<typeof first>);
            const [again] = await lease.receive(1, 1000);
            expect(again?.body).toEqual({ n: 1 });
            expect(again?.deliveryCount).toBe(2);
            await lease.close();
        });

        it('dead-letters a message after the maximum delivery count', async () => {
            const q = await create();
            await q.send([msg('unit-a', 1)]);
            for (let i = 0; i < factory.maxDeliveryCount; i++) {
                const lease = (await q.acceptNextSession(2000)) as SessionLease;
                const [m] = await lease.receive(1, 1000);
                await lease.abandon(m as NonNullable<typeof m>);
                await lease.close();
            }
            expect(await q.acceptNextSession(300)).toBeNull();
            const dead = await q.peekDeadLetters(10);
            expect(dead.map((d) => [d.body, d.deadLetterReason])).toEqual([[{ n: 1 }, 'MaxDeliveryCountExceeded']]);
        });

        it('moves a message to the dead-letter queue on request, with the reason', async () => {
            const q = await create();
            await q.send([msg('unit-a', 1), msg('unit-a', 2)]);
            const lease = (await q.acceptNextSession(1000)) as SessionLease;
            const [m] = await lease.receive(1, 1000);
            await lease.deadLetter(m as NonNullable<typeof m>, {
                reason: 'EnvelopeInvalid',
                description: 'not a transaction',
            });
            expect(await drain(lease)).toEqual([{ n: 2 }]);
            await lease.close();
            const dead = await q.peekDeadLetters(10);
            expect(dead.map((d) => [d.deadLetterReason, d.deadLetterDescription])).toEqual([
                ['EnvelopeInvalid', 'not a transaction'],
            ]);
        });

        it('releases a session whose lock expires and redelivers its unsettled message', async () => {
            const q = await create();
            await q.send([msg('unit-a', 1)]);
            const lease = (await q.acceptNextSession(1000)) as SessionLease;
            const [m] = await lease.receive(1, 1000);
            await sleep(factory.lockDurationMs + 200);
            await expect(lease.complete(m as NonNullable<typeof m>)).rejects.toMatchObject({
                code: 'SESSION_LOCK_LOST',
            });
            const next = (await q.acceptNextSession(2000)) as SessionLease;
            const [again] = await next.receive(1, 1000);
            expect(again?.body).toEqual({ n: 1 });
            expect(again?.deliveryCount).toBe(2);
            await next.complete(again as NonNullable<typeof again>);
            await next.close();
        });

        it('keeps a session while its lock is renewed', async () => {
            const q = await create();
            await q.send([msg('unit-a', 1)]);
            const lease = (await q.acceptNextSession(1000)) as SessionLease;
            const [m] = await lease.receive(1, 1000);
            for (let i = 0; i < 3; i++) {
                await sleep(factory.lockDurationMs / 2);
                await lease.renewLock();
            }
            await lease.complete(m as NonNullable<typeof m>);
            await lease.close();
            expect(await q.acceptNextSession(200)).toBeNull();
        });

        it('drops a message whose id was already sent (duplicate detection)', async () => {
            const q = await create();
            await q.send([{ messageId: 'same-id', sessionId: 'unit-a', body: { n: 1 } }]);
            await q.send([{ messageId: 'same-id', sessionId: 'unit-a', body: { n: 2 } }]);
            const lease = (await q.acceptNextSession(1000)) as SessionLease;
            expect(await drain(lease)).toEqual([{ n: 1 }]);
            await lease.close();
        });

        it('hides a scheduled message until its time', async () => {
            const q = await create();
            await q.send([msg('unit-a', 1, { scheduledEnqueueTime: new Date(Date.now() + 700) })]);
            expect(await q.acceptNextSession(200)).toBeNull();
            const lease = (await q.acceptNextSession(3000)) as SessionLease;
            expect(await drain(lease)).toEqual([{ n: 1 }]);
            await lease.close();
        });

        it('refuses to settle a message twice', async () => {
            const q = await create();
            await q.send([msg('unit-a', 1)]);
            const lease = (await q.acceptNextSession(1000)) as SessionLease;
            const [m] = await lease.receive(1, 1000);
            await lease.complete(m as NonNullable<typeof m>);
            await expect(lease.complete(m as NonNullable<typeof m>)).rejects.toMatchObject({
                code: 'SESSION_LOCK_LOST',
            });
            await lease.close();
        });

        if (factory.reopen) {
            const reopen = factory.reopen;
            it('keeps what send acknowledged across a restart, and redelivers what was not settled', async () => {
                const q = await create();
                await q.send([msg('unit-a', 1), msg('unit-a', 2), msg('unit-b', 1)]);
                const lease = (await q.acceptNextSession(1000)) as SessionLease;
                const [m] = await lease.receive(1, 1000);
                if (lease.sessionId === 'unit-a') await lease.complete(m as NonNullable<typeof m>);
                // No close: the process dies here.
                const again = await reopen();
                open.push(again);
                const bodies: Record<string, unknown[]> = {};
                for (;;) {
                    const l = await again.acceptNextSession(300);
                    if (!l) break;
                    bodies[l.sessionId] = await drain(l);
                    await l.close();
                }
                expect(bodies).toEqual(
                    lease.sessionId === 'unit-a'
                        ? { 'unit-a': [{ n: 2 }], 'unit-b': [{ n: 1 }] }
                        : { 'unit-a': [{ n: 1 }, { n: 2 }], 'unit-b': [{ n: 1 }] },
                );
            });
        }
    });
}
