import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Failure } from '../../src/domain/failure';
import { dispatchAlerts, update } from '../../src/notifications/alertDispatch';
import { collectSignals } from '../../src/notifications/alertSignals';
import { runNotifications } from '../../src/notifications/notificationRun';
import { GraphThrottledError } from '../../src/ports/graphErrors';
import { anyState } from '../support/anyState';
import { unitTransaction } from '../support/pipelineWorld';
import { notificationWorld, type World } from './notificationWorld';

let w: World;

beforeEach(async () => {
    w = await notificationWorld();
});

afterEach(async () => {
    await w.close();
});

const lookupMissing: Failure = {
    class: 'defect',
    code: 'LOOKUP_MISSING',
    message: 'no mapping row for buildingCostCentre b9',
    owner: 'integration',
};

async function inReview(
    count: number,
    from = 0,
    failure: Failure = lookupMissing,
    kind: 'receipt' | 'reservation' = 'receipt',
) {
    for (let i = from; i < from + count; i++) {
        const envelope = unitTransaction(String(1000 + i), kind, 1);
        await w.store.recordAccepted(envelope, '2026-11-10T08:00:00.000Z');
        await w.store.updateState(
            envelope.transactionId,
            { from: anyState, state: 'review', lastFailure: failure },
            '2026-11-10T08:30:00.000Z',
        );
    }
}

function cardText(i: number): string {
    return JSON.stringify(w.graph.channelMessages[i]?.cards[0]);
}

describe('grouped alerts', () => {
    it('a storm of 500 identical failures becomes one card with the count, and re-running posts nothing', async () => {
        await inReview(500);
        const run = await runNotifications(w.deps);
        expect(run.alerts).toMatchObject({ raised: 1, cardsPosted: 1, mailsSent: 1 });
        expect(w.graph.channelMessages).toHaveLength(1);
        const post = w.graph.channelMessages[0];
        expect(post?.teamId).toBe('3f2c7a10-0d4e-4c39-9a56-1b2f0e8d7c01');
        expect(post?.channelId).toBe('19:integration-alerts@thread.tacv2');
        expect(post?.summary).toBe('receipt in review: LOOKUP_MISSING (500)');
        expect(cardText(0)).toContain('{"title":"Count","value":"500"}');
        expect(cardText(0)).toContain('receipt RCT-1000-1');
        expect(cardText(0)).toContain('and 495 more');
        expect(cardText(0)).toContain('Fix the mapping row or the map');
        const [alert] = await w.alerts.list({ max: 10 });
        expect(cardText(0)).toContain(`https://console.contoso.example/api/console#alert=${alert?.id}`);
        // A payment posting is a record failure: its owner gets one e-mail for the group too.
        expect(w.graph.mailbox.map((m) => m.to)).toEqual([['integration-team@contoso-developments.example']]);

        const again = await runNotifications(w.deps);
        expect(again.alerts).toMatchObject({ raised: 0, grown: 0, cardsPosted: 0 });
        expect((await w.alerts.list({ max: 10 }))[0]?.count).toBe(500);
    });

    it('more of the same adds to the count; an update card comes at most every updateEveryMinutes', async () => {
        await inReview(10);
        await runNotifications(w.deps);
        await inReview(5, 10);
        w.clock.advanceMinutes(10);
        const soon = await runNotifications(w.deps);
        expect(soon.alerts).toMatchObject({ grown: 1, cardsPosted: 0 });
        w.clock.advanceMinutes(20);
        const later = await runNotifications(w.deps);
        expect(later.alerts.cardsPosted).toBe(1);
        expect(w.graph.channelMessages).toHaveLength(2);
        expect(cardText(1)).toContain('Still failing');
        expect(cardText(1)).toContain('{"title":"Count","value":"15"}');
        // Updates go to the channel only; the owner's mailbox got the first e-mail.
        expect(w.graph.mailbox).toHaveLength(1);
    });

    it('different failures are different cards, routed by the registry (duplicates to sales operations)', async () => {
        await inReview(3);
        const duplicate: Failure = {
            class: 'duplicate',
            code: 'ERP_DUPLICATE_REFERENCE',
            message: 'reference exists',
            owner: 'salesOperations',
        };
        await inReview(2, 100, duplicate, 'reservation');
        await runNotifications(w.deps);
        const channels = w.graph.channelMessages.map((m) => [m.channelId, m.summary]).sort();
        expect(channels).toEqual([
            ['19:integration-alerts@thread.tacv2', 'receipt in review: LOOKUP_MISSING (3)'],
            ['19:sales-ops-integration@thread.tacv2', 'reservation in review: ERP_DUPLICATE_REFERENCE (2)'],
        ]);
        // A reservation is not a record failure the owner is mailed about: only the receipts' e-mail went.
        expect(w.graph.mailbox).toHaveLength(1);
    });

    it('a bad CRM row is alerted to the table data owner, one alert per column that is wrong', async () => {
        const badRow = (field: string, owner: Failure['owner']): Failure => ({
            class: 'defect',
            code: 'CRM_ROW_INVALID',
            message: `${field} is required but is empty`,
            owner,
            details: { table: field.split('.')[0] ?? '', field, reason: 'is required but is empty' },
        });
        await inReview(2, 0, badRow('re_reservation.re_reservedon', 'salesOperations'), 'reservation');
        await inReview(1, 10, badRow('re_reservation.re_bookingamount', 'salesOperations'), 'reservation');
        await inReview(1, 20, badRow('re_receipt.re_amount', 'finance'), 'receipt');
        await runNotifications(w.deps);
        const channels = w.graph.channelMessages.map((m) => [m.channelId, m.summary]).sort();
        expect(channels).toEqual([
            ['19:finance-integration@thread.tacv2', 'receipt in review: CRM_ROW_INVALID (re_receipt.re_amount) (1)'],
            [
                '19:sales-ops-integration@thread.tacv2',
                'reservation in review: CRM_ROW_INVALID (re_reservation.re_bookingamount) (1)',
            ],
            [
                '19:sales-ops-integration@thread.tacv2',
                'reservation in review: CRM_ROW_INVALID (re_reservation.re_reservedon) (2)',
            ],
        ]);
        expect(cardText(0)).toContain('Fix the named column on the CRM row');
    });

    it('a parked condition is alerted to the owner the failure rule named, once it has stood long enough', async () => {
        await w.conditions.open({
            key: 'period 2026-11 frozen',
            kind: 'period',
            owner: 'finance',
            since: '2026-11-10T08:50:00.000Z',
            details: { period: '2026-11' },
        });
        await w.conditions.addParkedSession('period 2026-11 frozen', 'unit-1203');
        await w.conditions.addParkedSession('period 2026-11 frozen', 'unit-1204');
        expect((await runNotifications(w.deps)).alerts.raised).toBe(0); // 10 minutes old, alerted after 15
        w.clock.advanceMinutes(5);
        await runNotifications(w.deps);
        expect(w.graph.channelMessages.map((m) => m.channelId)).toEqual(['19:finance-integration@thread.tacv2']);
        expect(cardText(0)).toContain('Transactions parked: period 2026-11 frozen');
        expect(cardText(0)).toContain('unit 1203, unit 1204');
        // Cleared: the alert resolves by itself.
        await w.conditions.clear('period 2026-11 frozen', '2026-11-10T09:30:00.000Z');
        expect((await runNotifications(w.deps)).alerts.resolved).toBe(1);
        expect((await w.alerts.list({ max: 5 }))[0]?.state).toBe('resolved');
    });

    it('escalates along the path when nobody acknowledges, and stops once acknowledged', async () => {
        await inReview(2);
        await runNotifications(w.deps);
        w.clock.advanceMinutes(59);
        expect((await runNotifications(w.deps)).alerts.escalated).toBe(0);
        w.clock.advanceMinutes(1);
        const escalated = await runNotifications(w.deps);
        expect(escalated.alerts).toMatchObject({ escalated: 1, cardsPosted: 1 });
        expect(w.graph.channelMessages.at(-1)?.channelId).toBe('19:integration-escalations@thread.tacv2');
        expect(cardText(1)).toContain('Escalated (level 1)');
        expect(w.graph.mailbox.at(-1)?.to).toEqual(['integration-lead@contoso-developments.example']);
        const [alert] = await w.alerts.list({ max: 1 });
        expect(alert).toMatchObject({ level: 1, contact: 'integrationLead', owner: 'integration' });
        await update(w.alerts, alert?.id ?? '', (a) => ({ ...a, state: 'acknowledged', acknowledgedBy: 'ops' }));
        w.clock.advanceMinutes(500);
        expect((await runNotifications(w.deps)).alerts).toMatchObject({ escalated: 0, cardsPosted: 0 });
        expect((await w.alerts.list({ max: 1 }))[0]).toMatchObject({ state: 'acknowledged', level: 1 });
    });

    it('a group seen again after it resolved opens a new alert', async () => {
        await inReview(1);
        await runNotifications(w.deps);
        const [first] = await w.store.listByState('review', 1);
        await w.store.updateState(
            first?.envelope.transactionId ?? '',
            { from: anyState, state: 'discarded' },
            '2026-11-10T09:10:00Z',
        );
        expect((await runNotifications(w.deps)).alerts.resolved).toBe(1);
        w.clock.advanceMinutes(1);
        await inReview(1, 50);
        expect((await runNotifications(w.deps)).alerts.raised).toBe(1);
        const alerts = await w.alerts.list({ max: 5 });
        expect(alerts.map((a) => [a.state, a.count])).toEqual([
            ['open', 1],
            ['resolved', 1],
        ]);
    });

    it('Graph throttling delays delivery until after Retry-After; nothing is lost', async () => {
        await inReview(4);
        await w.setFaults({ throttle: true });
        const throttled = await runNotifications(w.deps);
        expect(throttled.alerts).toMatchObject({
            raised: 1,
            cardsPosted: 0,
            throttledUntil: '2026-11-10T09:00:02.000Z',
        });
        const [alert] = await w.alerts.list({ max: 1 });
        expect(alert?.lastDeliveryError).toContain('429 TooManyRequests');
        await w.setFaults({});
        expect((await runNotifications(w.deps)).alerts.cardsPosted).toBe(0); // still inside the Retry-After
        w.clock.t += 2000;
        expect((await runNotifications(w.deps)).alerts.cardsPosted).toBe(1);
        expect((await w.alerts.list({ max: 1 }))[0]?.lastDeliveryError).toBeUndefined();
    });

    it('a mail Graph throttles after the card went is sent on a later pass, without a second card', async () => {
        await inReview(2);
        const real = w.deps.notifier;
        let refuse = true;
        const notifier = {
            postToChannel: (m: Parameters<typeof real.postToChannel>[0]) => real.postToChannel(m),
            sendMail: async (m: Parameters<typeof real.sendMail>[0]) => {
                if (refuse) throw new GraphThrottledError('POST sendMail answered 429 TooManyRequests', 5_000);
                await real.sendMail(m);
            },
        };
        const first = await runNotifications({ ...w.deps, notifier });
        expect(first.alerts).toMatchObject({
            cardsPosted: 1,
            mailsSent: 0,
            throttledUntil: '2026-11-10T09:00:05.000Z',
        });
        refuse = false;
        w.clock.t += 5_000;
        const second = await runNotifications({ ...w.deps, notifier });
        expect(second.alerts).toMatchObject({ cardsPosted: 0, mailsSent: 1 });
        expect(w.graph.channelMessages).toHaveLength(1);
        expect(w.graph.mailbox).toHaveLength(1);
        expect((await runNotifications({ ...w.deps, notifier })).alerts).toMatchObject({
            cardsPosted: 0,
            mailsSent: 0,
        });
    });

    it('does not resolve what a truncated scan could not see', async () => {
        await inReview(3);
        await runNotifications(w.deps);
        const partial = await collectSignals(w.deps, { scanMax: 2, conditionAfterMinutes: 0 });
        expect(partial.truncated).toBe(true);
        const report = await dispatchAlerts(w.deps, { signals: [], truncated: true });
        expect(report.resolved).toBe(0);
    });
});
