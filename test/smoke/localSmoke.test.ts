import { describe, expect, it } from 'vitest';
import { smokeLocal } from '../../scripts/lib/localSmoke';

describe('npm run smoke -- --env local', () => {
    it('passes every integration point against the local runtime and its sandboxes', async () => {
        const results = await smokeLocal({ timeoutMs: 30_000 });
        const summary = results.map((r) => `${r.status} ${r.point} ${r.name}: ${r.detail}`);
        expect(
            results.filter((r) => r.status !== 'pass'),
            summary.join('\n'),
        ).toEqual([]);
        expect(new Set(results.map((r) => r.point))).toEqual(
            new Set(['functionApp', 'dataverse', 'erp', 'graph', 'serviceBus', 'tables']),
        );
        expect(results.find((r) => r.name === 'write back an integration-owned column')?.detail).toMatch(
            /^re_erpsyncedon = \d{4}-/,
        );
    }, 180_000);
});
