import { describe, expect, it } from 'vitest';
import { ErpFaults, faultPatchSchema } from '../../../sandbox/erp/erpFaults';

describe('ErpFaults.judge', () => {
    it('passes everything without faults', () => {
        const faults = new ErpFaults(1);
        expect([0, 1, 2].map((t) => faults.judge(t).kind)).toEqual(['pass', 'pass', 'pass']);
    });

    it('rate-limits with a token bucket of one second of calls, saying when the next token comes', () => {
        const faults = new ErpFaults(1);
        faults.update({ rateLimitPerSec: 2 });
        expect([faults.judge(1000), faults.judge(1000), faults.judge(1000)]).toEqual([
            { kind: 'pass' },
            { kind: 'pass' },
            { kind: 'rateLimited', retryAfterSec: 1 },
        ]);
        expect(faults.judge(1500)).toEqual({ kind: 'pass' });
        expect(faults.judge(1500)).toEqual({ kind: 'rateLimited', retryAfterSec: 1 });
        faults.update({ rateLimitPerSec: 0.5 });
        expect([faults.judge(2000), faults.judge(2000)]).toEqual([
            { kind: 'pass' },
            { kind: 'rateLimited', retryAfterSec: 2 },
        ]);
    });

    it('fails a seeded share of calls: the same seed gives the same calls, and reset starts the sequence again', () => {
        const pattern = (faults: ErpFaults) =>
            Array.from({ length: 12 }, (_, i) => (faults.judge(i).kind === 'pass' ? '.' : 'x')).join('');
        const a = new ErpFaults(7);
        const b = new ErpFaults(7);
        a.update({ transientErrorRate: 0.5 });
        b.update({ transientErrorRate: 0.5 });
        const first = pattern(a);
        expect(first).toBe(pattern(b));
        expect(first).toMatch(/x/);
        expect(first).toMatch(/\./);
        a.reset();
        a.update({ transientErrorRate: 0.5 });
        expect(pattern(a)).toBe(first);
    });

    it('answers unavailable to everything while down', () => {
        const faults = new ErpFaults(1);
        faults.update({ down: true, rateLimitPerSec: 1 });
        expect([faults.judge(0), faults.judge(0), faults.judge(0)].map((v) => v.kind)).toEqual([
            'unavailable',
            'unavailable',
            'unavailable',
        ]);
    });
});

describe('faultPatchSchema', () => {
    it('takes any subset of settings in range and refuses others', () => {
        expect(faultPatchSchema.safeParse({ latencyMs: 10 }).success).toBe(true);
        expect(
            [{ latencyMs: -1 }, { transientErrorRate: 1.5 }, { rateLimitPerSec: -2 }, { down: 1 }, { slow: true }].map(
                (patch) => faultPatchSchema.safeParse(patch).error?.issues[0]?.path.join('.'),
            ),
        ).toEqual(['latencyMs', 'transientErrorRate', 'rateLimitPerSec', 'down', '']);
    });
});
