import { describe, expect, it } from 'vitest';
import { CallCounter } from '../../../sandbox/erp/erpLedger';

describe('CallCounter request log', () => {
    it('measures the busiest sliding second, not clock-aligned seconds', () => {
        const calls = new CallCounter();
        // 3 calls late in one clock second and 3 early in the next: no aligned second holds more than 3.
        for (const at of [10_700, 10_800, 10_900, 11_000, 11_100, 11_200]) calls.count(201, at);
        expect(calls.peakIn(1000)).toBe(6);
        // A window is half-open: calls exactly 1 s apart are not in the same second.
        const apart = new CallCounter();
        for (const at of [0, 1000, 2000]) apart.count(201, at);
        expect(apart.peakIn(1000)).toBe(1);
    });

    it('counts rejected calls and calls logged out of arrival order', () => {
        const calls = new CallCounter();
        // A slow answer is counted after a quick one that arrived later.
        calls.count(201, 5_500);
        calls.count(429, 5_000);
        calls.count(503, 5_900);
        calls.count(201, 7_000);
        expect(calls.peakIn(1000)).toBe(3);
        expect(calls.arrivals).toEqual([5_000, 5_500, 5_900, 7_000]);
        expect(calls.byStatus).toEqual({ '201': 2, '429': 1, '503': 1 });
    });

    it('starts over on reset', () => {
        const calls = new CallCounter();
        calls.count(201, 1);
        calls.reset();
        expect([calls.total, calls.peakIn(1000), calls.arrivals]).toEqual([0, 0, []]);
    });
});
