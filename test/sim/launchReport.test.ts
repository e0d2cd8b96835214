import { describe, expect, it } from 'vitest';
import type { Posting } from '../../sandbox/erp/erpBooks';
import { erpGoodputShare } from '../../sim/launchReport';

const t0 = Date.parse('2026-11-30T10:00:00.000Z');
/** A posting of transaction `id` at `s` seconds after t0. */
const at = (id: string, s: number) =>
    ({ integrationReference: id, receivedAt: new Date(t0 + s * 1000).toISOString() }) as Posting;
/** `n` distinct postings spread evenly over [from, to] seconds. */
const spread = (n: number, from: number, to: number) =>
    Array.from({ length: n }, (_, i) => at(`tx-${from}-${i}`, from + ((to - from) * i) / Math.max(1, n - 1)));

describe('ERP goodput as a share of the rate limit', () => {
    it('is distinct postings over rate limit × seconds from the first acceptance to the last posting', () => {
        // 100 postings between 0 s and 10 s, the first acceptance at 0 s, 10/s allowed: 100 / (10 × 10) = 1.
        const postings = spread(100, 0, 10);
        expect(erpGoodputShare({ postings, firstAcceptedAt: t0, blocked: [], rateLimitPerSec: 10 })).toBe(1);
        // Work waiting from 10 s before the first posting counts against the ERP's time: 100 / (10 × 20).
        expect(erpGoodputShare({ postings, firstAcceptedAt: t0 - 10_000, blocked: [], rateLimitPerSec: 10 })).toBe(0.5);
    });

    it('counts a transaction posted twice once (goodput, not calls)', () => {
        const postings = [...spread(50, 0, 10), ...spread(50, 0, 10)];
        expect(erpGoodputShare({ postings, firstAcceptedAt: t0, blocked: [], rateLimitPerSec: 10 })).toBe(0.5);
    });

    it('leaves out blocked spans, overlapping ones once, an open one up to the last posting', () => {
        const postings = [...spread(50, 0, 5), ...spread(50, 15, 20)];
        const share = (blocked: Array<{ from: number; to?: number }>) =>
            erpGoodputShare({
                postings,
                firstAcceptedAt: t0,
                blocked: blocked.map((b) => ({ from: t0 + b.from * 1000, to: b.to && t0 + b.to * 1000 })),
                rateLimitPerSec: 10,
            });
        expect(share([])).toBe(0.5);
        // A freeze from 5 s to 12 s and an outage from 8 s to 15 s overlap: 10 s blocked, not 14.
        expect(
            share([
                { from: 5, to: 12 },
                { from: 8, to: 15 },
            ]),
        ).toBe(1);
        // Spans outside the window take nothing away; an open span ends at the last posting.
        expect(share([{ from: -30, to: -20 }])).toBe(0.5);
        expect(share([{ from: 18 }])).toBe(Math.round((100 / 180) * 100) / 100);
    });

    it("leaves out what was posted from `before` on (an operator's re-drive)", () => {
        const postings = [...spread(100, 0, 10), ...spread(400, 100, 110)];
        expect(
            erpGoodputShare({ postings, firstAcceptedAt: t0, blocked: [], rateLimitPerSec: 10, before: t0 + 50_000 }),
        ).toBe(1);
    });

    it('is null without a rate limit or without a posting', () => {
        expect(
            erpGoodputShare({ postings: spread(5, 0, 1), firstAcceptedAt: t0, blocked: [], rateLimitPerSec: 0 }),
        ).toBeNull();
        expect(erpGoodputShare({ postings: [], firstAcceptedAt: t0, blocked: [], rateLimitPerSec: 10 })).toBeNull();
    });
});
