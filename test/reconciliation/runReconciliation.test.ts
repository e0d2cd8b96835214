import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxGraphTokens } from '../../local/sandboxIdentity';
import { type SandboxGraph, startSandboxGraph } from '../../sandbox/graph/sandboxGraphServer';
import { GraphNotifier } from '../../src/adapters/graph/graphNotifier';
import { MemoryAlertStore } from '../../src/adapters/memory/memoryAlertStore';
import { MemoryBlobStore } from '../../src/adapters/memory/memoryBlobStore';
import { MemorySessionGateStore } from '../../src/adapters/memory/memorySessionGateStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { loadConfigFile } from '../../src/config/configFile';
import { ownerRegistrySchema } from '../../src/notifications/ownerRegistry';
import { recognitionRuleSchema } from '../../src/reconciliation/recognitionRule';
import { ReportArchive } from '../../src/reconciliation/reportArchive';
import { runReconciliation } from '../../src/reconciliation/runReconciliation';
import { testConfig } from '../support/memoryServices';
import { crmRows, erpBooks, fakeReader, fakeReporting } from './support/fakeBooks';

const owners = loadConfigFile('config/owners.v1.json', ownerRegistrySchema);
const financeChannel = {
    teamId: '6b8e2d44-5a1f-4f0b-8c77-2d3e4f5a6b02',
    channelId: '19:finance-integration@thread.tacv2',
};
let graph: SandboxGraph;

beforeEach(async () => {
    graph = await startSandboxGraph();
});

afterEach(async () => {
    await graph.close();
});

function deps() {
    const alerts = new MemoryAlertStore();
    const logs: string[] = [];
    const tokens = sandboxGraphTokens(graph);
    return {
        alerts,
        logs,
        deps: {
            entityMap: testConfig.entityMap,
            clock: { now: () => new Date('2026-12-03T06:00:00Z') },
            store: new MemoryTransactionStore(),
            gates: new MemorySessionGateStore(),
            reconciliation: {
                reporting: fakeReporting(erpBooks()),
                reader: fakeReader(crmRows()),
                rule: loadConfigFile('config/recognition-rule.v1.json', recognitionRuleSchema),
                reports: async () => new ReportArchive(new MemoryBlobStore('reconciliations')),
                channel: financeChannel,
            },
            notifier: new GraphNotifier({
                baseUrl: `${graph.url}/`,
                sharedMailbox: 'integration@contoso.example',
                ...tokens,
            }),
            notifications: { alerts, owners },
            logger: {
                info: () => {},
                warn: (m: string) => void logs.push(m),
                error: (m: string) => void logs.push(m),
            },
        },
    };
}

describe('the reconciliation summary in the end-of-day channel', () => {
    it('is posted as the Teams app where the app is installed', async () => {
        const { deps: d, alerts } = deps();
        const result = await runReconciliation('2026-11', undefined, d);
        expect(result).toMatchObject({ posted: true });
        expect(graph.channelMessages.map((m) => [m.teamId, m.channelId, m.summary])).toEqual([
            [financeChannel.teamId, financeChannel.channelId, 'Reconciliation 2026-11: balanced'],
        ]);
        expect(await alerts.list({ max: 5 })).toEqual([]);
    });

    it('a refused post is mailed to the channel owner instead and recorded as the channel alert', async () => {
        const { deps: d, alerts, logs } = deps();
        const install = await fetch(`${graph.url}/sandbox/installations`, {
            method: 'PUT',
            body: JSON.stringify({ teams: [] }),
        });
        expect(install.status).toBe(204);
        const result = await runReconciliation('2026-11', undefined, d);
        expect(result).toMatchObject({ posted: false, fallback: 'mailed' });
        expect(result.postError).toContain('403 Forbidden');
        expect(graph.channelMessages).toHaveLength(0);
        expect(graph.mailbox.map((m) => [m.to, m.subject])).toEqual([
            [['finance-ops@contoso-developments.example'], 'Reconciliation 2026-11: balanced'],
        ]);
        expect(graph.mailbox[0]?.content).toContain('<td>Expected gap (construction %)</td>');
        const [alert] = await alerts.list({ max: 5 });
        expect(alert).toMatchObject({
            point: 'teamsChannel',
            code: 'TEAMS_FORBIDDEN',
            owner: 'integration',
            samples: [`reconciliation ${result.report.id}`],
        });
        expect(logs).toContain('channel post failed');
    });
});
