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
            new Set(['functionApp', 'dataverse', 'erp', 'graph', 'teams', 'serviceBus', 'tables']),
        );
        expect(results.find((r) => r.point === 'teams')).toMatchObject({
            name: "post a test card to the Teams channel 'integration'",
            detail: expect.stringMatching(
                /^message \d+ in 3f2c7a10-0d4e-4c39-9a56-1b2f0e8d7c01\/19:integration-alerts@thread\.tacv2$/,
            ),
        });
        expect(results.find((r) => r.name === 'write back an integration-owned column')?.detail).toMatch(
            /^re_erpsyncedon = \d{4}-/,
        );
    }, 180_000);

    it('says with Graph code and what to do when the Teams app is not installed in the channel team', async () => {
        const results = await smokeLocal({ timeoutMs: 30_000, channel: 'finance', installedTeams: [] });
        const card = results.find((r) => r.point === 'teams');
        expect(card?.status).toBe('fail');
        expect(card?.detail).toMatch(
            /^403 Forbidden: the Teams app is not installed in team 6b8e2d44-5a1f-4f0b-8c77-2d3e4f5a6b02, or resource-specific consent was not granted there: a team owner installs the app .*\[POST channel message answered 403 Forbidden: Missing role permissions/,
        );
        expect(results.filter((r) => r.status === 'fail')).toHaveLength(1);
    }, 180_000);
});
