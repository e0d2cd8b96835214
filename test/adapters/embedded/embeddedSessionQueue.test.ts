import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedSessionQueue } from '../../../src/adapters/embedded/embeddedSessionQueue';
import { runSessionQueueContract } from '../../contract/sessionQueue.contract';

let directory = '';
const lockDurationMs = 400;
const maxDeliveryCount = 3;

runSessionQueueContract('embedded journaled queue', {
    lockDurationMs,
    maxDeliveryCount,
    create: async () => {
        directory = mkdtempSync(join(tmpdir(), 'queue-'));
        return EmbeddedSessionQueue.open({ directory, lockDurationMs, maxDeliveryCount });
    },
    reopen: () => EmbeddedSessionQueue.open({ directory, lockDurationMs, maxDeliveryCount }),
});

describe('embedded queue durability', () => {
    it('ignores a torn last journal line', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'queue-'));
        const q = await EmbeddedSessionQueue.open({ directory: dir });
        await q.send([{ messageId: 'a', sessionId: 's', body: 1 }]);
        await q.close();
        appendFileSync(join(dir, 'queue.journal'), '{"t":"send","m":{"seq":9,"messageId":"b","sess');
        const again = await EmbeddedSessionQueue.open({ directory: dir });
        expect(again.stats()).toEqual({ active: 1, scheduled: 0, deadLettered: 0, sessions: 1 });
        await again.close();
    });

    it('keeps all of 200 concurrent sends after a restart (group commit)', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'queue-'));
        const q = await EmbeddedSessionQueue.open({ directory: dir });
        await Promise.all(
            Array.from({ length: 200 }, (_, i) => q.send([{ messageId: `m${i}`, sessionId: `s${i % 7}`, body: i }])),
        );
        const again = await EmbeddedSessionQueue.open({ directory: dir });
        expect(again.stats()).toEqual({ active: 200, scheduled: 0, deadLettered: 0, sessions: 7 });
        await again.close();
        await q.close();
    });

    it('compacts the journal on open to the live messages only', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'queue-'));
        const q = await EmbeddedSessionQueue.open({ directory: dir });
        await q.send(Array.from({ length: 10 }, (_, i) => ({ messageId: `m${i}`, sessionId: 's', body: i })));
        const lease = await q.acceptNextSession(100);
        for (const m of (await lease?.receive(8, 100)) ?? []) await lease?.complete(m);
        await q.close();
        const again = await EmbeddedSessionQueue.open({ directory: dir });
        const lines = readFileSync(join(dir, 'queue.journal'), 'utf8').trim().split('\n');
        expect(lines.map((l) => JSON.parse(l).m.body)).toEqual([8, 9]);
        await again.close();
    });
});
