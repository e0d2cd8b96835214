import { afterEach, describe, expect, it } from 'vitest';
import { sandboxGraphTokens } from '../../local/sandboxIdentity';
import { type SandboxGraph, startSandboxGraph } from '../../sandbox/graph/sandboxGraphServer';
import { GraphNotifier } from '../../src/adapters/graph/graphNotifier';
import type { Failure } from '../../src/domain/failure';
import { runNotifications } from '../../src/notifications/notificationRun';
import { isGraphRequestError } from '../../src/ports/graphErrors';
import { unitTransaction } from '../support/pipelineWorld';
import { handover, notificationWorld, type World } from './notificationWorld';

/**
 * Channel posts need the Teams app (RSC ChannelMessage.Send.Group) installed in the owning team. The sandbox refuses
 * other teams with 403 like Graph. The owner is told by e-mail instead, the channel's failure is an alert of its
 * own (to the integration team, by e-mail too), the card is retried, and installing the app resolves it all.
 */
let w: World;
let graph: SandboxGraph;

afterEach(async () => {
    await w?.close();
    await graph?.close();
});

const forbidden =
    "403 Forbidden: Missing role permissions on the request. API requires one of 'ChannelMessage.Send.Group, Teamwork.Migrate.All'. Roles on the request ''. Resource specific consent grants on the request ''.";

async function worldWithApp(installedTeams: string[]) {
    w = await notificationWorld();
    graph = await startSandboxGraph({ now: () => w.clock.now(), installedTeams });
    const notifier = new GraphNotifier({
        baseUrl: `${graph.url}/`,
        sharedMailbox: 'handover@contoso-developments.example',
        ...sandboxGraphTokens(graph),
    });
    return { ...w.deps, notifier };
}

async function install(teams: string[] | null) {
    const res = await fetch(`${graph.url}/sandbox/installations`, { method: 'PUT', body: JSON.stringify({ teams }) });
    expect(res.status).toBe(204);
}

describe('Teams app not installed in the owning team', () => {
    it('a 403 is a GraphRequestError with Graph code Forbidden; the owner gets the e-mail and the channel is an alert', async () => {
        const deps = await worldWithApp(['some-other-team']);
        const salesOps = deps.owners.contacts.salesOperations?.teamId ?? '';
        const refused = await deps.notifier
            .postToChannel({ teamId: salesOps, channelId: 'c', card: { type: 'AdaptiveCard' }, summary: 's' })
            .catch((e: unknown) => e);
        expect(isGraphRequestError(refused)).toBe(true);
        expect(refused).toMatchObject({ status: 403, graphCode: 'Forbidden' });

        await w.handovers.open(handover('3001', null));
        const report = await runNotifications(deps);
        // The owner's e-mail does not wait for the channel.
        expect(report.alerts).toMatchObject({ raised: 1, cardsPosted: 0, mailsSent: 1 });
        expect(graph.mailbox.map((m) => m.to)).toEqual([['sales-ops@contoso-developments.example']]);
        const alerts = await w.alerts.list({ max: 10 });
        const notice = alerts.find((a) => a.point === 'handoverNotice');
        expect(notice?.lastDeliveryError).toContain(forbidden);
        expect(w.logs.some((l) => l.level === 'error' && l.message === 'alert not delivered')).toBe(true);
        expect(graph.channelMessages).toHaveLength(0);

        // The channel's failure is an alert routed to the integration team: blocked, with Graph's code.
        const channel = alerts.find((a) => a.point === 'teamsChannel');
        expect(channel).toMatchObject({
            failureClass: 'blocked',
            code: 'TEAMS_FORBIDDEN',
            owner: 'integration',
            title: 'Teams channel of Sales operations not reachable (TEAMS_FORBIDDEN)',
            count: 1,
            samples: [`alert ${notice?.id} level 0`],
            email: true,
        });

        // Next pass: that alert's card cannot reach the integration channel either, so it is mailed there, and
        // the integration channel's failure counts into an alert of its own; nothing is mailed twice.
        w.clock.advanceMinutes(2);
        await runNotifications(deps);
        expect(graph.mailbox.map((m) => m.to)).toEqual([
            ['sales-ops@contoso-developments.example'],
            ['integration-team@contoso-developments.example'],
        ]);
        expect(graph.mailbox[1]?.subject).toBe('Teams channel of Sales operations not reachable (TEAMS_FORBIDDEN) (1)');
        const channelAlerts = (await w.alerts.list({ max: 10 })).filter((a) => a.point === 'teamsChannel');
        expect(channelAlerts.map((a) => a.title).sort()).toEqual([
            'Teams channel of Integration team not reachable (TEAMS_FORBIDDEN)',
            'Teams channel of Sales operations not reachable (TEAMS_FORBIDDEN)',
        ]);

        // The team owners install the app: every card goes out and the channel alerts resolve themselves.
        await install(null);
        w.clock.advanceMinutes(2);
        await runNotifications(deps);
        w.clock.advanceMinutes(2);
        await runNotifications(deps);
        expect(graph.channelMessages.map((m) => m.summary).sort()).toEqual([
            'Handover notice not sent (NOTICE_NO_OWNER) (1)',
            'Teams channel of Integration team not reachable (TEAMS_FORBIDDEN) (1)',
            'Teams channel of Sales operations not reachable (TEAMS_FORBIDDEN) (1)',
        ]);
        const after = await w.alerts.list({ max: 10 });
        expect(after.filter((a) => a.point === 'teamsChannel').map((a) => a.state)).toEqual(['resolved', 'resolved']);
        expect(after.find((a) => a.point === 'handoverNotice')?.state).toBe('open');
    });

    it('an alert that is not mailed by default is mailed to its owner once per level while the channel refuses', async () => {
        const deps = await worldWithApp([]);
        const failure: Failure = { class: 'defect', code: 'LOOKUP_MISSING', message: 'no row', owner: 'integration' };
        const envelope = unitTransaction('1203', 'reservation', 1);
        await w.store.recordAccepted(envelope, '2026-11-10T08:00:00.000Z');
        await w.store.updateState(
            envelope.transactionId,
            { from: ['queued'], state: 'review', lastFailure: failure },
            '2026-11-10T08:30:00.000Z',
        );
        await runNotifications(deps);
        const mailed = () => graph.mailbox.filter((m) => m.subject?.startsWith('reservation in review')).length;
        expect(mailed()).toBe(1);
        expect(graph.mailbox[0]?.to).toEqual(['integration-team@contoso-developments.example']);
        for (let i = 0; i < 3; i++) {
            w.clock.advanceMinutes(2);
            await runNotifications(deps);
        }
        // The card was tried every pass, the fallback mail went once for the level.
        expect(mailed()).toBe(1);
        const review = (await w.alerts.list({ max: 10 })).find((a) => a.point === 'erpPosting');
        expect(review?.lastDeliveryError).toContain(forbidden);
        expect(review?.mailedLevel).toBe(0);
    });
});
