import { readFileSync } from 'node:fs';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { createDataverseEventsHandler } from '../../functions/handlers/dataverseEvents';
import { createProcessTransactionHandler } from '../../functions/handlers/processTransaction';
import { createReviewActionHandler, createReviewListHandler } from '../../functions/handlers/review';
import { createTransactionsHandler } from '../../functions/handlers/transactions';
import { QueueUnavailableError } from '../../src/ports/sessionQueue';
import { userActor } from '../support/actors';
import { anyState } from '../support/anyState';
import { memoryServices } from '../support/memoryServices';

const headers = JSON.parse(readFileSync('test/fixtures/dataverse/headers.json', 'utf8')) as Record<
    string,
    Record<string, string>
>;
const fixture = (name: string) => ({
    body: readFileSync(`test/fixtures/dataverse/${name}`, 'utf8'),
    headers: headers[name] ?? {},
});
const secret = 'a-header-secret-of-24-chars';

const services = memoryServices;

const post = (body: string, h: Record<string, string>) =>
    new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/dataverse/events',
        body: { string: body },
        headers: h,
    });
const context = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });

describe('dataverse-events handler', () => {
    it('answers 202 with the transaction id once the message is sent, session = the unit', async () => {
        const s = services();
        const { body, headers: h } = fixture('reservation-create.json');
        const res = await createDataverseEventsHandler(async () => s)(post(body, h), context());
        expect(res.status).toBe(202);
        expect(s.sent).toHaveLength(1);
        expect(res.jsonBody).toEqual({
            status: 'accepted',
            transactionId: s.sent[0]?.messageId,
            sessionId: s.sent[0]?.sessionId,
            type: 'reservation',
        });
        expect(s.sent[0]?.sessionId).toMatch(/^unit-[0-9a-f-]{36}$/);
    });

    it('answers 503 when the queue cannot take the message, so Dataverse retries, and keeps it in its unit backlog', async () => {
        const s = services({ queue: { send: async () => Promise.reject(new QueueUnavailableError('ServiceBusy')) } });
        const { body, headers: h } = fixture('contact-create.json');
        const res = await createDataverseEventsHandler(async () => s)(post(body, h), context());
        expect(res.status).toBe(503);
        // Recorded before it was enqueued: should Dataverse never retry, the unit's next transaction or the stuck
        // sweep still finds it; should it retry, the same transaction id is enqueued then.
        const [queued] = await s.store.listByState('queued', 10);
        const backlog = (await s.gates.get(queued?.envelope.sessionId ?? '')).backlog;
        expect(backlog.map((e) => e.transactionId)).toEqual([queued?.envelope.transactionId]);
    });

    it('answers 503 and enqueues nothing when the store cannot record the transaction', async () => {
        const s = services();
        s.store.recordAccepted = async () => Promise.reject(new Error('Table Storage unavailable'));
        const { body, headers: h } = fixture('contact-create.json');
        const res = await createDataverseEventsHandler(async () => s)(post(body, h), context());
        expect(res.status).toBe(503);
        expect(s.sent).toEqual([]);
    });

    it('answers 503 when an oversized event cannot be completed from Dataverse', async () => {
        const s = services({
            crm: { retrieve: async () => Promise.reject(new Error('CRM_UNAVAILABLE')), writeBack: async () => {} },
        });
        const { body, headers: h } = fixture('reservation-update-size-exceeded.json');
        const res = await createDataverseEventsHandler(async () => s)(post(body, h), context());
        expect(res.status).toBe(503);
        expect(s.sent).toEqual([]);
    });

    it('checks the header secret in header mode: missing → 401, right → accepted', async () => {
        const s = services({
            settings: {
                INTAKE_AUTH_MODE: 'header',
                WEBHOOK_HEADER_NAME: 'x-webhook-key',
                WEBHOOK_HEADER_SECRET: secret,
                MAX_DELIVERY_COUNT: 10,
                TRANSACTIONS_QUEUE_NAME: 'q',
            },
        });
        const handler = createDataverseEventsHandler(async () => s);
        const { body, headers: h } = fixture('contact-create.json');
        expect((await handler(post(body, h), context())).status).toBe(401);
        expect((await handler(post(body, { ...h, 'x-webhook-key': 'wrong' }), context())).status).toBe(401);
        expect((await handler(post(body, { ...h, 'x-webhook-key': secret }), context())).status).toBe(202);
        expect(s.sent).toHaveLength(1);
    });

    it('during a rotation accepts the current and the next header secret, and nothing else', async () => {
        const next = 'the-next-header-secret-of-32-chars';
        const s = services({
            settings: {
                INTAKE_AUTH_MODE: 'header',
                WEBHOOK_HEADER_NAME: 'x-webhook-key',
                WEBHOOK_HEADER_SECRET: secret,
                WEBHOOK_HEADER_SECRET_NEXT: next,
                MAX_DELIVERY_COUNT: 10,
                TRANSACTIONS_QUEUE_NAME: 'q',
            },
        });
        const handler = createDataverseEventsHandler(async () => s);
        const send = async (name: string, key?: string) => {
            const { body, headers: h } = fixture(name);
            return (await handler(post(body, key === undefined ? h : { ...h, 'x-webhook-key': key }), context()))
                .status;
        };
        expect(await send('contact-create.json', secret)).toBe(202);
        expect(await send('reservation-create.json', next)).toBe(202);
        // Neither one's prefix, nor the two joined, nor nothing.
        for (const wrong of [secret.slice(0, -1), next.slice(1), `${secret}${next}`, '', undefined]) {
            expect([wrong, await send('receipt-create.json', wrong)]).toEqual([wrong, 401]);
        }
        expect(s.sent).toHaveLength(2);
    });

    it('answers 413 for a body far beyond what Dataverse sends', async () => {
        const s = services();
        const res = await createDataverseEventsHandler(async () => s)(post('x'.repeat(1024 * 1024 + 1), {}), context());
        expect(res.status).toBe(413);
        expect(s.sent).toEqual([]);
    });

    it('refuses a declared Content-Length over the limit with 413 before reading the body', async () => {
        const s = services();
        const request = new HttpRequest({
            method: 'POST',
            url: 'http://localhost/api/dataverse/events',
            body: { string: '{}' },
            headers: { 'content-length': String(5 * 1024 * 1024) },
        });
        const res = await createDataverseEventsHandler(async () => s)(request, context());
        expect(res.status).toBe(413);
        expect((res.jsonBody as { error: { message: string } }).error.message).toBe(
            'Content-Length 5242880 exceeds the limit of 1048576 bytes: not a Dataverse event',
        );
        expect(request.bodyUsed).toBe(false);
        expect(s.sent).toEqual([]);
    });

    it('accepts a well-formed event whose required column is empty (202), and its attempt sends it to review for the table owner without calling the ERP', async () => {
        let erpCalls = 0;
        const s = services({
            erp: {
                post: async () => {
                    erpCalls++;
                    return { kind: 'posted', postingId: 'ERP-1', replayed: false };
                },
                findPostings: async () => [],
                periodStatus: async () => 'open' as const,
            },
        });
        const { body, headers: h } = fixture('contact-create.json');
        const broken = body.replace(/"key":\s*"lastname",\s*"value":\s*"[^"]*"/, '"key":"lastname","value":null');
        expect(broken).not.toBe(body);
        const res = await createDataverseEventsHandler(async () => s)(post(broken, h), context());
        expect(res.status).toBe(202);
        expect(res.jsonBody).toMatchObject({
            status: 'accepted',
            type: 'customer',
            invalid: { field: 'contact.lastname', reason: 'is required but is empty' },
        });
        // Recorded and enqueued like any transaction: it holds its session (the contact) like any review item.
        const [message] = s.sent;
        const envelope = message?.body as {
            transactionId: string;
            invalid?: unknown;
            data: Record<string, unknown>;
            personalFields?: string[];
        };
        expect(envelope.invalid).toEqual({
            code: 'FIELD_REQUIRED',
            field: 'contact.lastname',
            reason: 'is required but is empty',
        });
        // The buyer's name is personal data: left out whatever the row's problem (read from the row when posting).
        expect(envelope.data).not.toHaveProperty('firstName');
        expect(envelope.data).not.toHaveProperty('lastName');
        expect(envelope.personalFields).toContain('firstName');

        const processing = new InvocationContext({
            functionName: 'process-transaction',
            logHandler: () => {},
            triggerMetadata: { sessionId: message?.sessionId, deliveryCount: 1 },
        });
        await createProcessTransactionHandler(async () => s)(message?.body, processing);
        const record = await s.store.get(envelope.transactionId);
        expect(record?.state).toBe('review');
        expect(record?.lastFailure).toMatchObject({
            class: 'defect',
            code: 'CRM_ROW_INVALID',
            owner: 'salesOperations',
            details: { table: 'contact', field: 'contact.lastname', reason: 'is required but is empty' },
        });
        expect(erpCalls).toBe(0);
        expect((await s.gates.get(message?.sessionId ?? '')).blockedBy).toBe(envelope.transactionId);
    });

    it('acknowledges an event for a table the map does not cover, with the reason', async () => {
        const s = services();
        const { body, headers: h } = fixture('appointment-create-multiselect.json');
        const res = await createDataverseEventsHandler(async () => s)(post(body, h), context());
        expect([res.status, res.jsonBody]).toEqual([
            202,
            { status: 'ignored', reason: 'table appointment is not in entity map 1.0.0' },
        ]);
    });
});

describe('transactions handlers', () => {
    it('rejects a sourceRecordId that is not a GUID', async () => {
        const res = await createTransactionsHandler(async () => services())(
            new HttpRequest({ method: 'GET', url: 'http://localhost/api/transactions?sourceRecordId=RSV-1' }),
        );
        expect([res.status, (res.jsonBody as { error: { field: string } }).error.field]).toEqual([
            400,
            'sourceRecordId',
        ]);
    });

    it('lists review items and takes review actions, naming a bad body field and auditing who acted', async () => {
        const s = services();
        const { body, headers: h } = fixture('contact-create.json');
        await createDataverseEventsHandler(async () => s)(post(body, h), context());
        const id = s.sent[0]?.messageId ?? '';
        const handler = createReviewActionHandler(async () => s);
        const act = (request: HttpRequest) => handler(request, context(), userActor('ops@contoso'));
        const request = (action: string, payload: unknown) =>
            new HttpRequest({
                method: 'POST',
                url: `http://localhost/api/review/${id}/${action}`,
                params: { transactionId: id, action },
                body: { string: JSON.stringify(payload) },
            });
        expect((await act(request('retry', { by: 'ops' }))).status).toBe(409);
        await s.store.updateState(
            id,
            {
                from: anyState,
                state: 'review',
                lastFailure: { class: 'defect', code: 'LOOKUP_MISSING', message: 'no mapping', owner: 'integration' },
            },
            'x',
        );
        const list = await createReviewListHandler(async () => s)();
        expect(
            (list.jsonBody as { items: Array<{ transactionId: string; code: string; owner: string }> }).items.map(
                (i) => [i.transactionId, i.code, i.owner],
            ),
        ).toEqual([[id, 'LOOKUP_MISSING', 'integration']]);
        const bad = await act(request('resolve', {}));
        expect([bad.status, (bad.jsonBody as { error: { field: string } }).error.field]).toEqual([400, 'erpReference']);
        const res = await act(request('resolve', { erpReference: 'ERP-777' }));
        expect([res.status, res.jsonBody]).toEqual([202, { transactionId: id, state: 'resolved' }]);
        expect((await s.store.get(id))?.erpPostingId).toBe('ERP-777');
        expect((await s.store.listAudit(id)).at(-1)?.payload).toEqual({ by: 'ops@contoso', erpReference: 'ERP-777' });
    });
});

describe('process-transaction handler', () => {
    it('throws for a message that is not a transaction envelope, so it ends in the dead-letter queue instead of being lost', async () => {
        await expect(
            createProcessTransactionHandler(async () => services())({ hello: 'world' }, context()),
        ).rejects.toMatchObject({ code: 'ENVELOPE_INVALID' });
    });
});
