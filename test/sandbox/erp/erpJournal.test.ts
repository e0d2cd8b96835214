import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErpJournal, type JournalLine } from '../../../sandbox/erp/erpJournal';

const file = () => join(mkdtempSync(join(tmpdir(), 'erp-journal-')), 'erp.jsonl');
const write = (reference: string): JournalLine => ({
    kind: 'write',
    resource: 'customers',
    reference,
    key: `k-${reference}`,
    body: { sourceRecordId: reference },
    at: '2026-11-20T10:00:00.000Z',
});

describe('ErpJournal', () => {
    it('keeps nothing without a file', () => {
        const journal = new ErpJournal(undefined);
        journal.append(write('c-1'));
        expect(journal.replay()).toEqual([]);
    });

    it('replays what was appended, in order, and nothing for a file that does not exist yet', () => {
        const path = file();
        const journal = new ErpJournal(path);
        expect(journal.replay()).toEqual([]);
        journal.append(write('c-1'));
        journal.append({ kind: 'period', period: '2026-11', status: 'frozen' });
        journal.append({ kind: 'holds', claims: ['CLM-1'] });
        journal.append({ kind: 'reset' });
        expect(new ErpJournal(path).replay()).toEqual([
            write('c-1'),
            { kind: 'period', period: '2026-11', status: 'frozen' },
            { kind: 'holds', claims: ['CLM-1'] },
            { kind: 'reset' },
        ]);
    });

    it('skips a torn last line and fences it off, so the next append is readable', () => {
        const path = file();
        new ErpJournal(path).append(write('c-1'));
        appendFileSync(path, '{"kind":"write","resource":"cust');
        const afterCrash = new ErpJournal(path);
        expect(afterCrash.replay()).toEqual([write('c-1')]);
        afterCrash.append(write('c-2'));
        expect(new ErpJournal(path).replay()).toEqual([write('c-1'), write('c-2')]);
        expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(4);
    });
});
