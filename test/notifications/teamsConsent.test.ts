import { afterEach, describe, expect, it } from 'vitest';
import { sandboxGraphTokens } from '../../local/sandboxIdentity';
import { type SandboxGraph, startSandboxGraph } from '../../sandbox/graph/sandboxGraphServer';
import { GraphNotifier } from '../../src/adapters/graph/graphNotifier';
import { runNotifications } from '../../src/notifications/notificationRun';
import { isGraphRequestError } from '../../src/ports/graphErrors';
import { handover, notificationWorld, type World } from './notificationWorld';

/**
 * Channel posts need the Teams app (RSC ChannelMessage.Send.Group) installed in the owning team. The sandbox refuses
 * other teams with 403 like Graph; the alert keeps the reason, is retried, and the failure is logged for the portal.
 */
let w: World;
let graph: SandboxGraph;

afterEach(async () => {
    await w?.close();
    await graph?.close();
});

describe('Teams app not installed in the owning team', () => {
    it('a 403 is a GraphRequestError with Graph code Forbidden, kept on the alert and logged; nothing is lost', async () => {
        w = await notificationWorld();
        const salesOps = w.deps.owners.contacts.salesOperations?.teamId ?? '';
        graph = await startSandboxGraph({ now: () => w.clock.now(), installedTeams: ['some-other-team'] });
        const notifier = new GraphNotifier({
            baseUrl: `${graph.url}/`,
            sharedMailbox: 'handover@contoso-developments.example',
            ...sandboxGraphTokens(graph),
        });
        const refused = await notifier
            .postToChannel({ teamId: salesOps, channelId: 'c', card: { type: 'AdaptiveCard' }, summary: 's' })
            .catch((e: unknown) => e);
        expect(isGraphRequestError(refused)).toBe(true);
        expect(refused).toMatchObject({ status: 403, graphCode: 'Forbidden' });

        await w.handovers.open(handover('3001', null));
        const report = await runNotifications({ ...w.deps, notifier });
        // The owner's e-mail does not wait for the channel.
        expect(report.alerts).toMatchObject({ raised: 1, cardsPosted: 0, mailsSent: 1 });
        expect(graph.mailbox.map((m) => m.to)).toEqual([['sales-ops@contoso-developments.example']]);
        const [alert] = await w.alerts.list({ max: 1 });
        expect(alert?.lastDeliveryError).toContain(
            "403 Forbidden: Missing role permissions on the request. API requires one of 'ChannelMessage.Send.Group, Teamwork.Migrate.All'. Roles on the request ''. Resource specific consent grants on the request ''.",
        );
        expect(w.logs.some((l) => l.level === 'error' && l.message === 'alert not delivered')).toBe(true);
        expect(graph.channelMessages).toHaveLength(0);
    });
});
