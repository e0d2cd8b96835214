import { appendFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedQueueOptions, EmbeddedSessionQueue } from '../../../src/adapters/embedded/embeddedSessionQueue';
import type { OutgoingMessage, ReceivedMessage, SessionLease } from '../../../src/ports/sessionQueue';
import { runSessionQueueContract } from '../../contract/sessionQueue.contract';

let contractDirectory = '';
const lockDurationMs = 400;
const maxDeliveryCount = 3;

runSessionQueueContract('embedded journaled queue', {
    lockDurationMs,
    maxDeliveryCount,
    create: async () => {
        contractDirectory = await mkdtemp(join(tmpdir(), 'queue-'));
        return EmbeddedSessionQueue.open({ directory: contractDirectory, lockDurationMs, maxDeliveryCount });
    },
    reopen: () => EmbeddedSessionQueue.open({ directory: contractDirectory, lockDurationMs, maxDeliveryCount }),
});

const opened: EmbeddedSessionQueue[] = [];
afterEach(async () => {
    for (const q of opened.splice(0)) await q.close().catch(() => undefined);
});

async function openQueue(options: Partial<EmbeddedQueueOptions> & { directory?: string } = {}) {
    const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'queue-')));
    const queue = await EmbeddedSessionQueue.open({ ...options, directory });
    opened.push(queue);
    return { queue, directory };
}

const message = (sessionId: string, n: number): OutgoingMessage => ({
    messageId: `${sessionId}-${n}`,
    sessionId,
    body: { n },
});

async function take(lease: SessionLease | null): Promise<{ lease: SessionLease; m: ReceivedMessage }> {
    if (!lease) throw new Error('expected a session');
    const [m] = await lease.receive(1, 500);
    if (!m) throw new Error('expected a message');
    return { lease, m };
}

async function journalLines(directory: string): Promise<Array<{ t: string; m?: { body: unknown } }>> {
    const text = await readFile(join(directory, 'queue.journal'), 'utf8');
    return text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
}

describe('embedded queue durability', () => {
    it('ignores a torn last journal line, and later writes do not glue onto it', async () => {
        const { queue, directory } = await openQueue();
        await queue.send([message('s', 1)]);
        await queue.close();
        appendFileSync(join(directory, 'queue.journal'), '{"t":"send","m":{"seq":9,"messageId":"b","sess');
        const { queue: again } = await openQueue({ directory });
        expect(again.stats()).toEqual({ active: 1, scheduled: 0, deadLettered: 0, sessions: 1 });
        await again.send([message('s', 2)]);
        await again.close();
        const { queue: third } = await openQueue({ directory });
        expect(third.stats()).toEqual({ active: 2, scheduled: 0, deadLettered: 0, sessions: 1 });
    });

    it('redelivers, with its delivery count kept, what a crashed instance received but never settled', async () => {
        const { queue, directory } = await openQueue();
        await queue.send([message('s', 1), message('s', 2)]);
        await take(await queue.acceptNextSession(100));
        // Dropped without close(): what a kill -9 leaves behind.
        const { queue: fresh } = await openQueue({ directory });
        const { lease, m } = await take(await fresh.acceptNextSession(100));
        expect([m.body, m.deliveryCount]).toEqual([{ n: 1 }, 2]);
        await lease.complete(m);
        const [next] = await lease.receive(1, 100);
        expect([next?.body, next?.deliveryCount]).toEqual([{ n: 2 }, 1]);
    });

    it('dead-letters on restart a message that was delivered the maximum number of times (a crash loop)', async () => {
        const { queue, directory } = await openQueue({ maxDeliveryCount: 2 });
        await queue.send([message('s', 1)]);
        await take(await queue.acceptNextSession(100));
        const { queue: second } = await openQueue({ directory, maxDeliveryCount: 2 });
        expect((await take(await second.acceptNextSession(100))).m.deliveryCount).toBe(2);
        const { queue: third } = await openQueue({ directory, maxDeliveryCount: 2 });
        expect(await third.acceptNextSession(50)).toBeNull();
        const dead = await third.peekDeadLetters(5);
        expect(dead.map((d) => [d.body, d.deliveryCount, d.deadLetterReason, d.deadLetterDescription])).toEqual([
            [{ n: 1 }, 2, 'MaxDeliveryCountExceeded', 'delivered 2 times without being completed'],
        ]);
    });

    it('compacts the journal on open to exactly the live messages and dead letters', async () => {
        const { queue, directory } = await openQueue();
        await queue.send(Array.from({ length: 10 }, (_, i) => message('s', i)));
        const lease = await queue.acceptNextSession(100);
        const received = (await lease?.receive(9, 100)) ?? [];
        for (const m of received.slice(0, 7)) await lease?.complete(m);
        await lease?.deadLetter(received[7] as ReceivedMessage, { reason: 'Poison', description: 'bad' });
        await queue.close();
        await openQueue({ directory });
        const lines = await journalLines(directory);
        expect(lines.map((l) => [l.t, l.m?.body])).toEqual([
            ['seen', undefined],
            ['send', { n: 8 }],
            ['send', { n: 9 }],
            ['send', { n: 7 }],
        ]);
    });

    it('compacts in the background while sends are in flight, and loses none of them', async () => {
        const { queue, directory } = await openQueue({ compactAfterLines: 40 });
        await queue.send(Array.from({ length: 30 }, (_, i) => message('a', i)));
        const lease = await queue.acceptNextSession(100);
        for (let round = 0; round < 15; round++) {
            // Not awaited yet: the completions below trigger compaction while this send is being written.
            const sending = queue.send([message('b', round)]);
            for (const m of (await lease?.receive(2, 100)) ?? []) await lease?.complete(m);
            await sending;
        }
        await lease?.close();
        expect(queue.stats()).toEqual({ active: 15, scheduled: 0, deadLettered: 0, sessions: 1 });
        // Uncompacted, the journal would hold 1 + 45 sends + 30 deliveries + 30 completions.
        expect(queue.journalStats().linesSinceCompaction).toBeLessThan(106);
        await queue.close();
        const { queue: again } = await openQueue({ directory });
        const b = await again.acceptNextSession(100);
        const rest = (await b?.receive(20, 100)) ?? [];
        expect([b?.sessionId, rest.map((m) => (m.body as { n: number }).n)]).toEqual([
            'b',
            Array.from({ length: 15 }, (_, i) => i),
        ]);
    });

    it('commits 100 concurrent sends with one write and fsync, and keeps them all across a restart', async () => {
        const { queue, directory } = await openQueue();
        const flushesBefore = queue.journalStats().flushes;
        await Promise.all(Array.from({ length: 100 }, (_, i) => queue.send([message(`s${i % 7}`, i)])));
        expect(queue.journalStats().flushes - flushesBefore).toBe(1);
        const { queue: again } = await openQueue({ directory });
        expect(again.stats()).toEqual({ active: 100, scheduled: 0, deadLettered: 0, sessions: 7 });
    });
});

describe('embedded queue semantics', () => {
    it('hands out the least recently served session, so a busy session cannot starve the others', async () => {
        const { queue } = await openQueue();
        await queue.send([message('a', 1), message('b', 1), message('c', 1)]);
        const order: string[] = [];
        for (let i = 0; i < 4; i++) {
            const lease = await queue.acceptNextSession(100);
            order.push(lease?.sessionId ?? 'none');
            await lease?.close();
        }
        expect(order).toEqual(['a', 'b', 'c', 'a']);
    });

    it('accepts a duplicate sent while the original is still being written only once', async () => {
        const { queue } = await openQueue();
        await Promise.all([queue.send([message('s', 1)]), queue.send([message('s', 1)])]);
        expect(queue.stats()).toEqual({ active: 1, scheduled: 0, deadLettered: 0, sessions: 1 });
    });

    it('follows the injected clock for scheduling, lock expiry and the duplicate window', async () => {
        let now = Date.parse('2025-03-01T09:00:00Z');
        const clock = { now: () => new Date(now) };
        const { queue } = await openQueue({ clock, lockDurationMs: 60_000, duplicateDetectionWindowMs: 600_000 });
        await queue.send([{ ...message('s', 1), scheduledEnqueueTime: new Date(now + 5 * 60_000) }]);
        expect([queue.stats(), await queue.acceptNextSession(0)]).toEqual([
            { active: 0, scheduled: 1, deadLettered: 0, sessions: 1 },
            null,
        ]);
        now += 5 * 60_000;
        const { lease, m } = await take(await queue.acceptNextSession(0));
        now += 60_000;
        await expect(lease.complete(m)).rejects.toMatchObject({ code: 'SESSION_LOCK_LOST' });
        now += 10 * 60_000;
        await queue.send([message('s', 1)]);
        expect(queue.stats()).toEqual({ active: 2, scheduled: 0, deadLettered: 0, sessions: 1 });
    });

    it('rejects every call once closed, with QUEUE_UNAVAILABLE', async () => {
        const { queue } = await openQueue();
        await queue.close();
        await expect(queue.send([message('s', 1)])).rejects.toMatchObject({
            code: 'QUEUE_UNAVAILABLE',
            message: 'the embedded queue is closed',
        });
        await expect(queue.acceptNextSession(10)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
        await expect(queue.peekDeadLetters(1)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    });
});
