import { describe, expect, it } from 'vitest';
import { loadSessionTriggerSettings } from '../../src/config/hostSettings';
import { attemptFits, startInvocation, workBudget } from '../../src/core/invocation';

describe('the work budget of a session handler', () => {
    it('comes from host.json and the client timeouts: lock renewal and function timeout less a margin', () => {
        const host = loadSessionTriggerSettings();
        expect([host.functionTimeoutMs, host.maxAutoLockRenewalMs]).toEqual([300_000, 300_000]);
        const budget = workBudget({ ...host, erpTimeoutMs: 15_000, dataverseTimeoutMs: 15_000 });
        expect(budget).toEqual({ invocationMs: 285_000, attemptMs: 45_000, erpCallMs: 20_000 });
        const invocation = startInvocation(1_000, budget, 'inv-1');
        expect(invocation).toEqual({ id: 'inv-1', deadlineMs: 286_000 });
        expect(attemptFits(invocation, 241_000, budget)).toBe(true);
        expect(attemptFits(invocation, 241_001, budget)).toBe(false);
    });

    it('refuses to start when the lock cannot outlast two whole attempts, naming what to change', () => {
        expect(() =>
            workBudget({
                functionTimeoutMs: 600_000,
                maxAutoLockRenewalMs: 60_000,
                erpTimeoutMs: 15_000,
                dataverseTimeoutMs: 15_000,
            }),
        ).toThrow(
            'host.json functionTimeout / extensions.serviceBus.maxAutoLockRenewalDuration: 60000 ms leaves less than two attempts of ERP_TIMEOUT_MS + DATAVERSE_TIMEOUT_MS (+15 s each): raise them or lower the timeouts',
        );
    });
});
