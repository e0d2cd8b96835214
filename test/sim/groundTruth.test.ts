import { describe, expect, it } from 'vitest';
import type { Posting } from '../../sandbox/erp/erpBooks';
import { baselineOutcomes } from '../../sim/groundTruth';

const t0 = Date.parse('2026-11-30T10:00:00.000Z');
const posting = (id: string, s: number) =>
    ({ integrationReference: id, receivedAt: new Date(t0 + s * 1000).toISOString() }) as Posting;
const accepted = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, session: 'unit-1', at: t0 + i }));

describe("a baseline's outcomes from the ERP's ledger", () => {
    it('splits posted by itself, re-driven (posted once the re-drive began) and left for re-keying', () => {
        const postings = [posting('a', 1), posting('c', 30), posting('a', 40)];
        const o = baselineOutcomes(accepted, postings, t0 + 20_000);
        expect(o.byItself.map((x) => [x.id, x.postedAt - x.at])).toEqual([['a', 1000]]);
        expect(o.redriven.map((x) => x.id)).toEqual(['c']);
        expect(o.left.map((x) => x.id)).toEqual(['b', 'd']);
        expect(o.posted.map((x) => x.id)).toEqual(['a', 'c']);
    });

    it('without a re-drive, everything posted was posted by the baseline itself', () => {
        const o = baselineOutcomes(accepted, [posting('c', 30)], undefined);
        expect([o.byItself.length, o.redriven.length, o.left.length]).toEqual([1, 0, 3]);
    });
});
