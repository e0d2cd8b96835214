import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/core/circuitBreaker';

describe('CircuitBreaker', () => {
    it('opens after the configured consecutive transient failures', async () => {
        const b = new CircuitBreaker({ consecutiveFailures: 3, openMs: 1000 });
        b.failed(0);
        b.failed(0);
        expect(await b.allow(0)).toBe(true);
        b.failed(10);
        expect(b.snapshot).toEqual({ state: 'open', until: 1010 });
        expect(await b.allow(500)).toBe(false);
    });

    it('a success in between resets the count', () => {
        const b = new CircuitBreaker({ consecutiveFailures: 2, openMs: 1000 });
        b.failed(0);
        b.succeeded();
        b.failed(0);
        expect(b.snapshot).toEqual({ state: 'closed', failures: 1 });
    });

    it('lets exactly one probe through after the open interval, and closes when it succeeds', async () => {
        const b = new CircuitBreaker({ consecutiveFailures: 1, openMs: 1000 });
        b.failed(0);
        expect([await b.allow(999), await b.allow(1000), await b.allow(1001)]).toEqual([false, true, false]);
        b.succeeded();
        expect(await b.allow(1002)).toBe(true);
    });

    it('reopens when the probe fails', async () => {
        const b = new CircuitBreaker({ consecutiveFailures: 5, openMs: 1000 });
        for (let i = 0; i < 5; i++) b.failed(0);
        expect(await b.allow(1000)).toBe(true);
        b.failed(1000);
        expect(b.snapshot).toEqual({ state: 'open', until: 2000 });
    });

    it('lets a call allowed before it opened go only while closed, and in half-open only the probe', async () => {
        const b = new CircuitBreaker({ consecutiveFailures: 1, openMs: 1000 });
        expect(b.stillAllows()).toBe(true);
        b.failed(0);
        expect(b.stillAllows()).toBe(false);
        expect(await b.allow(1000)).toBe(true);
        expect([b.stillAllows(), b.stillAllows()]).toEqual([true, false]);
    });
});
