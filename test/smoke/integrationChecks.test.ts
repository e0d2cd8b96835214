import { describe, expect, it } from 'vitest';
import type { ErpClient } from '../../src/ports/erpClient';
import { integrationChecks, type SmokeTargets } from '../../src/smoke/integrationChecks';
import { renderSmokeReport, runSmokeChecks } from '../../src/smoke/smokeCheck';

function targets(overrides: Partial<SmokeTargets> = {}): SmokeTargets {
    const rows = new Map<string, Record<string, unknown>>([['contact/1', { firstname: 'A' }]]);
    const sent: string[] = [];
    return {
        crm: {
            retrieve: async (e, id) => rows.get(`${e}/${id}`) as never,
            writeBack: async (e, id, fields) => {
                rows.set(`${e}/${id}`, { ...rows.get(`${e}/${id}`), ...fields });
            },
        },
        smokeRecord: { entity: 'contact', id: '1' },
        erp: {
            post: async () => {
                throw new Error('the smoke test never posts');
            },
            findPostings: async () => [],
            periodStatus: async () => 'open',
        } satisfies ErpClient,
        notifier: {
            sendMail: async (m) => {
                sent.push(m.to.join(','));
            },
            postToChannel: async () => ({ messageId: 'x' }),
        },
        sharedMailbox: 'integration@contoso.example',
        teams: {
            channel: 'integration',
            post: async () => ({ ok: true, channel: { teamId: 't1', channelId: 'c1' }, messageId: '1700000000000' }),
        },
        queue: { peekDeadLetters: async () => [] },
        store: { get: async () => undefined },
        now: () => new Date('2026-11-30T10:00:00Z'),
        random: () => 0.5,
        ...overrides,
    };
}

describe('integrationChecks', () => {
    it('passes when every point answers as the contract says', async () => {
        const results = await runSmokeChecks(integrationChecks(targets()), { timeoutMs: 1000 });
        expect(results.map((r) => `${r.status} ${r.name}`)).toEqual([
            'pass read the smoke row',
            'pass write back an integration-owned column',
            'pass read the accounting period',
            'pass look up postings by business reference',
            'skip published contract has no breaking change',
            'pass send mail from the shared mailbox',
            "pass post a test card to the Teams channel 'integration'",
            'pass read the dead-letter queue',
            'pass read the transaction store',
        ]);
        expect(results[2]?.detail).toBe('period 2026-11 is open');
    });

    it('reports every failing point, not just the first, with its reason', async () => {
        const results = await runSmokeChecks(
            integrationChecks(
                targets({
                    erp: {
                        post: async () => ({ kind: 'posted', postingId: 'p', replayed: false }),
                        findPostings: async () => {
                            throw Object.assign(new Error('HTTP 401 from the ERP'), { code: 'ERP_UNAVAILABLE' });
                        },
                        periodStatus: async () => {
                            throw new Error('ECONNREFUSED');
                        },
                    },
                    queue: {
                        peekDeadLetters: async () => {
                            throw new Error('Unauthorized: missing Listen claim');
                        },
                    },
                }),
            ),
            { timeoutMs: 1000 },
        );
        const failed = results.filter((r) => r.status === 'fail').map((r) => `${r.point}: ${r.detail}`);
        expect(failed).toEqual([
            'erp: ECONNREFUSED',
            'erp: ERP_UNAVAILABLE: HTTP 401 from the ERP',
            'serviceBus: Unauthorized: missing Listen claim',
        ]);
        expect(renderSmokeReport('test', results)).toMatch(/3 of 9 failed: do not go live/);
    });

    it('fails the write-back when the column does not read back what was written', async () => {
        const t = targets();
        const results = await runSmokeChecks(
            integrationChecks({ ...t, crm: { ...t.crm, writeBack: async () => {} } }),
            { timeoutMs: 1000 },
        );
        expect(results.find((r) => r.name.startsWith('write back'))).toMatchObject({
            status: 'fail',
            detail: 're_erpsyncedon reads null, wrote 2026-11-30T10:00:00.000Z',
        });
    });

    it('fails the contract check on a breaking change and names it', async () => {
        const results = await runSmokeChecks(
            integrationChecks(
                targets({
                    contractChanges: async () => [
                        { severity: 'breaking', kind: 'path-removed', at: 'GET /erp/v1/postings', detail: 'gone' },
                    ],
                }),
            ),
            { timeoutMs: 1000 },
        );
        expect(results.find((r) => r.point === 'erp' && r.status === 'fail')?.detail).toBe(
            '1 breaking change(s): path-removed GET /erp/v1/postings (npm run contract:diff)',
        );
    });

    it('a point that never answers fails after the time limit, and the next ones still run', async () => {
        const results = await runSmokeChecks(
            integrationChecks(targets({ store: { get: () => new Promise(() => {}) } })),
            { timeoutMs: 20 },
        );
        expect(results.at(-1)).toMatchObject({ point: 'tables', status: 'fail', detail: 'no answer within 20 ms' });
        expect(results).toHaveLength(9);
    });

    it('skips the row checks without a smoke record, and adds the health check with a function URL', async () => {
        const t = targets({ health: async () => 503 });
        delete t.smokeRecord;
        const results = await runSmokeChecks(integrationChecks(t), { timeoutMs: 1000 });
        expect(results[0]).toMatchObject({
            point: 'functionApp',
            status: 'fail',
            detail: 'GET /api/health answered 503',
        });
        expect(results.filter((r) => r.status === 'skip').map((r) => r.name)).toContain('read the smoke row');
    });

    it('a test card Graph refuses fails with Graph status and code and what to do; one that cannot be tried says why', async () => {
        const refused = targets({
            teams: {
                channel: 'finance',
                post: async () => ({
                    ok: false,
                    channel: { teamId: 't9', channelId: 'c9' },
                    status: 403,
                    graphCode: 'Forbidden',
                    message: 'POST channel message answered 403 Forbidden: Missing role permissions on the request.',
                    hint: 'the Teams app is not installed in team t9',
                }),
            },
        });
        const [card] = (await runSmokeChecks(integrationChecks(refused), { timeoutMs: 1000 })).filter(
            (r) => r.point === 'teams',
        );
        expect(card).toMatchObject({
            name: "post a test card to the Teams channel 'finance'",
            status: 'fail',
            detail: '403 Forbidden: the Teams app is not installed in team t9 [POST channel message answered 403 Forbidden: Missing role permissions on the request.]',
        });
        const untried = targets({ teams: { channel: 'integration', unavailable: 'set SMOKE_TOKEN' } });
        const [skipped] = (await runSmokeChecks(integrationChecks(untried), { timeoutMs: 1000 })).filter(
            (r) => r.point === 'teams',
        );
        expect(skipped).toMatchObject({ status: 'fail', detail: 'set SMOKE_TOKEN' });
    });
});
