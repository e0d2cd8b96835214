import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { backoffFor, retryDelayMs, retryPolicySchema } from '../../src/core/retryPolicy';

const backoff = { baseMs: 1000, capMs: 30_000, maxAttempts: 6 };

describe('retryDelayMs', () => {
    it('stays within [0, min(cap, base·2^(n-1))) for every retry and random draw', () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 40 }),
                fc.double({ min: 0, max: 0.999999, noNaN: true }),
                (retry, r) => {
                    const delay = retryDelayMs(backoff, retry, () => r);
                    const ceiling = Math.min(30_000, 1000 * 2 ** (retry - 1));
                    return delay >= 0 && delay < ceiling;
                },
            ),
        );
    });

    it('grows exponentially until the cap', () => {
        expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(backoff, n, () => 0.999999))).toEqual([
            999, 1999, 3999, 7999, 15999, 29999, 29999,
        ]);
    });

    it('spreads retries out (jitter): a thousand units retrying at once do not pick the same moment', () => {
        let seed = 42;
        const random = () => {
            seed = (seed * 1103515245 + 12345) % 2 ** 31;
            return seed / 2 ** 31;
        };
        const delays = Array.from({ length: 1000 }, () => retryDelayMs(backoff, 4, random));
        const buckets = new Set(delays.map((d) => Math.floor(d / 800)));
        expect(buckets.size).toBe(10);
        expect(new Set(delays).size).toBeGreaterThan(900);
    });

    it('never retries earlier than Retry-After asked', () => {
        expect(retryDelayMs(backoff, 1, () => 0.1, 45_000)).toBe(45_000);
        expect(retryDelayMs(backoff, 5, () => 0.9, 1_000)).toBe(14_400);
    });
});

describe('retry policy configuration', () => {
    const policy = loadConfigFile('config/retry-policy.v1.json', retryPolicySchema);

    it('gives receipts their own backoff and others the default', () => {
        expect(backoffFor(policy, 'receipt')).toEqual({ baseMs: 2000, capMs: 600000, maxAttempts: 10 });
        expect(backoffFor(policy, 'reservation')).toEqual(policy.default);
    });

    it('rejects a cap below the base, naming it', () => {
        const bad = retryPolicySchema.safeParse({ ...policy, default: { baseMs: 5000, capMs: 1000, maxAttempts: 3 } });
        expect(bad.success).toBe(false);
        expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
            ['default.capMs', 'capMs must be at least baseMs'],
        ]);
    });
});
