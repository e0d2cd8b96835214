import { describe, expect, it } from 'vitest';
import type { Posting } from '../../sandbox/erp/erpBooks';
import { generateLaunch } from '../../sim/launchGenerator';
import {
    countActivePlansOverOne,
    countDuplicatePostings,
    countOrderViolations,
    percentile,
} from '../../sim/launchReport';
import { runLaunch } from '../../sim/launchRunner';
import { scenarioSchema } from '../../sim/scenarioSchema';

const base = { seed: 11, units: 12, events: 120 };

describe('scenario file', () => {
    it('fills defaults and rejects unknown keys, naming them', () => {
        expect(scenarioSchema.parse(base).erp).toEqual({
            latencyMs: 0,
            rateLimitPerSec: 0,
            transientErrorRate: 0,
            idempotencyKeys: true,
        });
        expect(scenarioSchema.parse({ ...base, erp: { idempotencyKeys: false } }).erp.idempotencyKeys).toBe(false);
        expect(scenarioSchema.safeParse({ ...base, erp: { idempotencyKeys: 'no' } }).success).toBe(false);
        const bad = scenarioSchema.safeParse({ ...base, erp: { latencyMS: 5 } });
        expect(bad.success).toBe(false);
        expect(bad.error?.issues[0]?.message).toContain('latencyMS');
    });
});

describe('launch generator', () => {
    const now = new Date('2026-11-10T09:00:00Z');
    it('gives the same event stream for the same seed and a different one for another', () => {
        const a = generateLaunch(scenarioSchema.parse(base), now).events;
        expect(generateLaunch(scenarioSchema.parse(base), now).events).toEqual(a);
        expect(generateLaunch(scenarioSchema.parse({ ...base, seed: 12 }), now).events).not.toEqual(a);
    });

    it('sends about as many events as the scenario asks for, with many more events than units too', () => {
        for (const [units, events] of [
            [40, 400],
            [400, 10_000],
            [5, 2_000],
        ] as const) {
            const launch = generateLaunch(scenarioSchema.parse({ ...base, units, events }), now).events;
            const sent = launch.filter((e) => e.kind !== 'seed').length;
            expect(sent, `${units} units, ${events} events`).toBeGreaterThanOrEqual(events * 0.95);
            expect(sent, `${units} units, ${events} events`).toBeLessThanOrEqual(events * 1.05);
        }
    });

    it('includes reservations, cancellations with re-release, instalments with a milestone, receipts and claims', () => {
        const events = generateLaunch(scenarioSchema.parse({ ...base, units: 5, events: 400 }), now).events;
        const kinds = new Set(events.map((e) => `${e.kind}:${e.entity}`));
        for (const k of [
            'create:re_reservation',
            'update:re_reservation',
            'create:re_installment',
            'create:re_receipt',
            'create:re_commission',
            'create:contact',
        ]) {
            expect([k, kinds.has(k)]).toEqual([k, true]);
        }
    });
});

/** A ledger entry for `transaction` (its integrationReference); the key it carried is the transaction id too unless given. */
const posting = (
    seq: number,
    transaction: string,
    type: string,
    reference: string,
    body: Record<string, unknown>,
    source = `src-${reference}`,
    key: string | undefined = transaction,
): Posting =>
    ({
        seq,
        postingId: `P${seq}`,
        ...(key !== undefined ? { idempotencyKey: key } : {}),
        integrationReference: transaction,
        type,
        reference,
        sourceRecordId: source,
        receivedAt: '',
        body,
    }) as Posting;

describe('ground truth counters', () => {
    it('counts a reference posted from two CRM records and a transaction posted twice', () => {
        expect(
            countDuplicatePostings([
                posting(1, 'k1', 'receipts', 'R1', {}),
                posting(2, 'k2', 'receipts', 'R1', {}, 'other'),
                posting(3, 'k1', 'receipts', 'R9', {}),
            ]),
        ).toBe(2);
    });

    it('counts a transaction posted twice by what it names, whatever key (or none) each posting carried', () => {
        const repeat = (key2: string | undefined) => [
            posting(1, 'tx-1', 'receipts', 'R1', {}, 'src-R1', undefined),
            posting(2, 'tx-1', 'receipts', 'R1', {}, 'src-R1', key2),
        ];
        expect([countDuplicatePostings(repeat(undefined)), countDuplicatePostings(repeat('another-key'))]).toEqual([
            1, 1,
        ]);
        // Amendments of one record by different transactions are not duplicates.
        expect(
            countDuplicatePostings([
                posting(1, 'tx-1', 'receipts', 'R1', {}),
                posting(2, 'tx-2', 'receipts', 'R1', {}),
            ]),
        ).toBe(0);
    });

    it('counts order violations per unit', () => {
        const postings = [posting(1, 'b', 'x', 'b', {}), posting(2, 'a', 'x', 'a', {}), posting(3, 'c', 'x', 'c', {})];
        expect(countOrderViolations(new Map([['unit-1', ['a', 'b', 'c']]]), postings)).toBe(1);
    });

    it('finds a unit that held two active plans at some moment', () => {
        const r = (seq: number, ref: string, status: string) =>
            posting(seq, `k${seq}`, 'reservations', ref, { unitCode: 'U1', status });
        expect(
            countActivePlansOverOne([r(1, 'RSV-1', 'active'), r(2, 'RSV-1', 'cancelled'), r(3, 'RSV-2', 'active')]),
        ).toBe(0);
        expect(
            countActivePlansOverOne([r(1, 'RSV-1', 'active'), r(2, 'RSV-2', 'active'), r(3, 'RSV-1', 'cancelled')]),
        ).toBe(1);
    });

    it('takes percentiles by rank', () => {
        expect([
            percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50),
            percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95),
        ]).toEqual([5, 10]);
    });
});

describe('a small launch on the local stack', () => {
    it('loses nothing, posts nothing twice and keeps unit order through a period freeze and transient ERP errors', async () => {
        const report = await runLaunch(
            scenarioSchema.parse({
                ...base,
                name: 'test launch',
                erp: { transientErrorRate: 0.1 },
                periodFreeze: { start: { fraction: 0.3 }, end: { fraction: 0.6 } },
                probeIntervalMs: 300,
            }),
        );
        expect([report.lost, report.duplicatePostings, report.orderViolations, report.activePlansOverOne]).toEqual([
            0, 0, 0, 0,
        ]);
        expect(report.accepted).toBe(report.sent);
        expect(report.posted + report.stale).toBe(report.accepted);
        expect(report.erpCalls).toBeGreaterThan(report.posted);
    }, 120_000);

    it('on four instances shares one ERP limit: the busiest second stays near it, nothing lost, twice or out of order', async () => {
        const limit = 20;
        const report = await runLaunch(
            scenarioSchema.parse({
                ...base,
                units: 24,
                events: 240,
                name: 'fleet test launch',
                instances: 4,
                erp: { rateLimitPerSec: limit, transientErrorRate: 0.05 },
                probeIntervalMs: 300,
            }),
        );
        expect(report.instances).toBe(4);
        expect([report.lost, report.duplicatePostings, report.orderViolations]).toEqual([0, 0, 0]);
        expect(report.posted + report.stale).toBe(report.accepted);
        // Four instances each pacing at the whole limit would put up to 80 calls a second on it (most answered 429).
        // Shared, the ERP's own log shows the limit plus at most a few calls a busy test machine let bunch up.
        expect(report.erpPeakCallsPerSec).toBeLessThanOrEqual(limit * 1.25);
        expect(report.erpPeakCallsPerSec).toBeGreaterThan(limit * 0.5);
        expect(report.erpCallsByStatus['429'] ?? 0).toBeLessThanOrEqual(5);
    }, 180_000);
});
