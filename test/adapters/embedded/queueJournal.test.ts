import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QueueJournal } from '../../../src/adapters/embedded/queueJournal';

describe('QueueJournal', () => {
    it('after a torn last line, a new line never glues onto the fragment', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'journal-'));
        const first = await QueueJournal.open<{ n: number }>(dir, 'j');
        await first.journal.append({ n: 1 });
        await first.journal.close();
        appendFileSync(join(dir, 'j'), '{"n":'); // the process died mid-write
        const second = await QueueJournal.open<{ n: number }>(dir, 'j');
        expect(second.lines).toEqual([{ n: 1 }]);
        await second.journal.append({ n: 2 });
        await second.journal.close();
        expect((await QueueJournal.open<{ n: number }>(dir, 'j')).lines).toEqual([{ n: 1 }, { n: 2 }]);
    });

    it('shares one write among appends of the same tick and keeps them all', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'journal-'));
        const { journal } = await QueueJournal.open<{ n: number }>(dir, 'j');
        await Promise.all(Array.from({ length: 50 }, (_, n) => journal.append({ n })));
        await journal.close();
        expect((await QueueJournal.open<{ n: number }>(dir, 'j')).lines.map((l) => l.n)).toEqual(
            Array.from({ length: 50 }, (_, n) => n),
        );
    });
});
