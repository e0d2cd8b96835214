import { describe, expect, it } from 'vitest';
import { badRowDrill } from '../../sim/badRowDrill';

// The drill on the local runtime (Azurite, the session pump, the sandbox Dataverse, ERP and Graph, the host over HTTP).
describe('npm run drill -- bad-row', () => {
    it('takes each bad row through the webhook to review, one alert each, its reason on the CRM row, and after the fix posts it once from a review retry', async () => {
        const result = await badRowDrill(() => {});
        expect(result.checks.length).toBe(14);
        expect(result.checks.filter((c) => !c.ok)).toEqual([]);
        expect(result.passed).toBe(true);
    }, 120_000);
});
