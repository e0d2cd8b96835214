import { describe, expect, it } from 'vitest';
import { nextWriteOrderKey } from '../../../src/adapters/azure/writeOrderKey';

describe('nextWriteOrderKey', () => {
    it('sorts in call order within one millisecond, across milliseconds and when the clock goes back', () => {
        const base = 1_800_000_000_000;
        const keys = [base, base, base, base + 1, base - 5_000, base + 1, base + 2].map((ms) => nextWriteOrderKey(ms));
        expect([...keys].sort()).toEqual(keys);
        expect(new Set(keys).size).toBe(keys.length);
    });

    it('is zero-padded milliseconds, a sequence and this process tag', () => {
        const key = nextWriteOrderKey(4_000_000_000_000);
        expect(key).toMatch(/^004000000000000-000000000-[0-9a-f]{8}$/);
        expect(nextWriteOrderKey(4_000_000_000_000)).toBe(key.replace('-000000000-', '-000000001-'));
    });
});
