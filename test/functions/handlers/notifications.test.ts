import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import {
    alertsResponseSchema,
    createAcknowledgeHandler,
    createAlertsHandler,
} from '../../../functions/handlers/alerts';
import {
    createNoticesHandler,
    createNotifyTimerHandler,
    noticesResponseSchema,
} from '../../../functions/handlers/notices';
import { createSummaryHandler, summaryResponseSchema } from '../../../functions/handlers/summary';
import type { ChannelMessage, MailMessage } from '../../../src/ports/notifier';
import { envelope } from '../../contract/transactionStore.contract';
import { userActor } from '../../support/actors';
import { anyState } from '../../support/anyState';
import { memoryServices } from '../../support/memoryServices';

function services() {
    const mails: MailMessage[] = [];
    const cards: ChannelMessage[] = [];
    const s = memoryServices({
        notifier: {
            sendMail: async (m) => void mails.push(m),
            postToChannel: async (m) => {
                cards.push(m);
                return { messageId: String(cards.length) };
            },
        },
        crm: {
            retrieve: async (_e: string, id: string) =>
                id === 'c-1' ? { fullname: 'Layla Haddad', emailaddress1: 'layla@example.org' } : undefined,
            writeBack: async () => {},
        },
    });
    return { s, mails, cards };
}

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const post = (id: string, body?: string) =>
    new HttpRequest({
        method: 'POST',
        url: `http://localhost/api/alerts/${id}/acknowledge`,
        params: { id },
        ...(body !== undefined ? { body: { string: body } } : {}),
    });

async function withFailures() {
    const world = services();
    const { s } = world;
    for (const n of [1, 2, 3]) {
        const e = envelope({ transactionId: `tx-${n}`, acceptedAt: '2026-11-10T08:00:00.000Z' });
        await s.store.recordAccepted(e, e.acceptedAt);
        const lastFailure = {
            class: 'defect' as const,
            code: 'LOOKUP_MISSING',
            message: 'm',
            owner: 'integration' as const,
        };
        await s.store.updateState(
            e.transactionId,
            { from: anyState, state: 'review', lastFailure },
            '2026-11-10T08:30:00.000Z',
        );
    }
    await s.handovers.open({
        key: 'u1:2026-11-20',
        unitId: 'u1',
        unitCode: 'MARINA-T1-1203',
        ownerId: 'c-1',
        readyOn: '2026-11-20',
        createdAt: '2026-11-10T08:00:00.000Z',
        transactionId: 'tx-h',
        notice: 'pending',
    });
    await createNotifyTimerHandler(async () => s)({}, context());
    return world;
}

describe('notification handlers', () => {
    it('the timer sends the notice and one grouped card; GET /api/notices and /api/alerts show them in the agreed shapes', async () => {
        const { s, mails, cards } = await withFailures();
        // The owner's notice, and one e-mail to the integration team for the group of failed receipt postings.
        expect(mails.map((m) => m.to)).toEqual([
            ['layla@example.org'],
            ['integration-team@contoso-developments.example'],
        ]);
        expect(cards).toHaveLength(1);
        const notices = await createNoticesHandler(async () => s)();
        expect(notices.status).toBe(200);
        expect(noticesResponseSchema.strict().parse(notices.jsonBody)).toEqual({
            notices: [
                {
                    key: 'u1:2026-11-20',
                    unitCode: 'MARINA-T1-1203',
                    readyOn: '2026-11-20',
                    state: 'sent',
                    attempts: 1,
                    sentAt: '2026-11-10T09:00:00.000Z',
                },
            ],
        });
        expect(JSON.stringify(notices.jsonBody)).not.toContain('@');
        const alerts = await createAlertsHandler(async () => s)();
        const body = alertsResponseSchema.parse(alerts.jsonBody);
        expect(body.alerts).toHaveLength(1);
        expect(body.alerts[0]).toMatchObject({
            title: 'receipt in review: LOOKUP_MISSING',
            failureClass: 'defect',
            owner: 'integration',
            count: 3,
            state: 'open',
            level: 0,
            firstAt: '2026-11-10T09:00:00.000Z',
        });
        expect(Object.keys(body.alerts[0] ?? {}).sort()).toEqual(
            ['count', 'failureClass', 'firstAt', 'groupKey', 'id', 'lastAt', 'level', 'owner', 'state', 'title'].sort(),
        );
    });

    it('POST /api/alerts/{id}/acknowledge records the signed-in actor, answers the alert, and is idempotent', async () => {
        const { s } = await withFailures();
        const [alert] = await s.notifications.alerts.list({ max: 1 });
        const id = alert?.id ?? '';
        const ops = userActor('ops@contoso');
        const res = await createAcknowledgeHandler(async () => s)(post(id, '{"by": "someone else"}'), context(), ops);
        expect(res.status).toBe(200);
        expect(res.jsonBody).toMatchObject({ id, state: 'acknowledged', count: 3 });
        expect(await s.notifications.alerts.get(id)).toMatchObject({
            acknowledgedBy: 'ops@contoso',
            acknowledgedAt: '2026-11-10T09:00:00.000Z',
        });
        const again = await createAcknowledgeHandler(async () => s)(post(id), context(), userActor('other@contoso'));
        expect(again.status).toBe(200);
        expect((await s.notifications.alerts.get(id))?.acknowledgedBy).toBe('ops@contoso');
    });

    it('acknowledge: 404 for an unknown id, 400 for a body it cannot use, changing nothing', async () => {
        const { s } = await withFailures();
        const [alert] = await s.notifications.alerts.list({ max: 1 });
        const handler = createAcknowledgeHandler(async () => s);
        const ack = (request: HttpRequest) => handler(request, context(), userActor());
        const unknown = await ack(post('nope'));
        expect(unknown.status).toBe(404);
        expect(unknown.jsonBody).toEqual({ error: { code: 'NOT_FOUND', message: 'no alert nope' } });
        const notJson = await ack(post(alert?.id ?? '', '{by'));
        expect(notJson.status).toBe(400);
        const extra = await ack(post(alert?.id ?? '', '{"by": "x", "note": 1}'));
        expect(extra.status).toBe(400);
        const wrongType = await ack(post(alert?.id ?? '', '{"by": 7}'));
        expect(wrongType.jsonBody).toMatchObject({ error: { code: 'INVALID_BODY', field: 'by' } });
        expect((await s.notifications.alerts.get(alert?.id ?? ''))?.state).toBe('open');
    });

    it('GET /api/summary answers the day; a bad date is a 400 naming the field', async () => {
        const { s } = await withFailures();
        const handler = createSummaryHandler(async () => s);
        const res = await handler(
            new HttpRequest({ method: 'GET', url: 'http://localhost/api/summary?date=2026-11-10' }),
        );
        expect(res.status).toBe(200);
        const summary = summaryResponseSchema.parse(res.jsonBody);
        expect(summary.transactions.total).toBe(3);
        expect(summary.reviewQueue.size).toBe(3);
        for (const bad of ['2026-13-01', '10-11-2026', 'today']) {
            const r = await handler(
                new HttpRequest({ method: 'GET', url: `http://localhost/api/summary?date=${bad}` }),
            );
            expect(r.status).toBe(400);
            expect(r.jsonBody).toMatchObject({ error: { code: 'INVALID_QUERY', field: 'date' } });
        }
    });
});
