import { readFileSync } from 'node:fs';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { createDataverseEventsHandler } from '../../../functions/handlers/dataverseEvents';
import { createFlowEventsHandler } from '../../../functions/handlers/flowEvents';
import type { NormalizedAttributes } from '../../../src/dataverse/normalizedEvent';
import { memoryServices } from '../../support/memoryServices';

const contactId = '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11';
/** The row as the Dataverse Web API client returns it (normalised), version as the webhook fixture's RowVersion. */
const contactRow: NormalizedAttributes = {
    contactid: contactId,
    firstname: 'Lina',
    lastname: 'Haddad',
    emailaddress1: 'lina.haddad@example.com',
    mobilephone: '+971500000001',
    versionnumber: 5948260,
    modifiedon: '2026-11-10T08:59:00Z',
};

function servicesWithRows(rows: Record<string, NormalizedAttributes>, read: string[] = []) {
    const crm = {
        retrieve: async (entity: string, id: string) => {
            read.push(`${entity}/${id}`);
            return rows[`${entity}/${id}`];
        },
        writeBack: async () => {},
    };
    return memoryServices({ crm });
}

const context = () =>
    new InvocationContext({ invocationId: 'run-1', functionName: 'flow-events', logHandler: () => {} });
const post = (body: unknown) =>
    new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/flow/events',
        body: { string: typeof body === 'string' ? body : JSON.stringify(body) },
        headers: { 'content-type': 'application/json' },
    });

describe('POST /api/flow/events', () => {
    it('reads the row, queues it in its session like the webhook, and answers 202 accepted', async () => {
        const read: string[] = [];
        const s = servicesWithRows({ [`contact/${contactId}`]: contactRow }, read);
        const res = await createFlowEventsHandler(async () => s)(
            post({ entityLogicalName: 'contact', recordId: contactId.toUpperCase(), message: 'Create' }),
            context(),
        );
        expect(res.status).toBe(202);
        expect(read).toEqual([`contact/${contactId}`]);
        expect(s.sent).toHaveLength(1);
        expect(res.jsonBody).toEqual({
            status: 'accepted',
            transactionId: s.sent[0]?.messageId,
            sessionId: `contact-${contactId}`,
            type: 'customer',
        });
        const envelope = s.sent[0]?.body as {
            data: Record<string, unknown>;
            personalFields: string[];
            correlationId: string;
        };
        // The buyer's name is personal data: not in the message, read from the row when the ERP needs it.
        expect(JSON.stringify(envelope)).not.toMatch(/Lina|Haddad/);
        expect(envelope.personalFields).toEqual(['firstName', 'lastName', 'email', 'phone', 'nationalId']);
        // Without a correlation id from the flow, the invocation id carries the run end to end.
        expect(envelope.correlationId).toBe('run-1');
    });

    it('gives a repeated submission of the same row version the same transaction id (nothing posted twice)', async () => {
        const s = servicesWithRows({ [`contact/${contactId}`]: contactRow });
        const handler = createFlowEventsHandler(async () => s);
        const body = {
            entityLogicalName: 'contact',
            recordId: contactId,
            message: 'Update',
            changedAttributes: ['mobilephone'],
            correlationId: 'a',
        };
        const first = await handler(post(body), context());
        const second = await handler(post({ ...body, correlationId: 'b' }), context());
        expect((first.jsonBody as { transactionId: string }).transactionId).toBe(
            (second.jsonBody as { transactionId: string }).transactionId,
        );
        expect(s.sent[0]?.messageId).toBe(s.sent[1]?.messageId);
    });

    it('ignores a row whose mapped columns are as the last transaction left them (the write-back loop guard)', async () => {
        const rows = { [`contact/${contactId}`]: contactRow };
        const s = servicesWithRows(rows);
        const handler = createFlowEventsHandler(async () => s);
        const body = { entityLogicalName: 'contact', recordId: contactId, message: 'Update' };
        const first = (await handler(post(body), context())).jsonBody as { transactionId: string };
        // Our own confirmation changes the row, its version and its modified time (to that of our write), but no
        // mapped column.
        rows[`contact/${contactId}`] = {
            ...contactRow,
            versionnumber: 5948261,
            re_erppostingid: 'ERP-1',
            re_erpsyncedon: '2026-11-10T09:00:00.250Z',
            modifiedon: '2026-11-10T09:00:00.000Z',
        };
        const echo = await handler(post(body), context());
        expect(echo.jsonBody).toEqual({
            status: 'ignored',
            reason: `no mapped column of contact changed since ${first.transactionId}`,
        });
        // A change of a personal column only (not kept, so not compared): the row's last change was not our write-back.
        rows[`contact/${contactId}`] = {
            ...contactRow,
            versionnumber: 5948262,
            lastname: 'Haddad-Nasser',
            re_erpsyncedon: '2026-11-10T09:00:00.250Z',
            modifiedon: '2026-11-10T11:30:00.000Z',
        };
        const changed = await handler(post(body), context());
        expect(changed.jsonBody).toMatchObject({ status: 'accepted' });
        expect(s.sent).toHaveLength(2);
    });

    it('yields the same transaction id as the webhook for the same change (row version = RowVersion)', async () => {
        const s = servicesWithRows({ [`contact/${contactId}`]: contactRow });
        const headers = JSON.parse(readFileSync('test/fixtures/dataverse/headers.json', 'utf8')) as Record<
            string,
            Record<string, string>
        >;
        const webhook = await createDataverseEventsHandler(async () => s)(
            new HttpRequest({
                method: 'POST',
                url: 'http://localhost/api/dataverse/events',
                body: { string: readFileSync('test/fixtures/dataverse/contact-update.json', 'utf8') },
                headers: headers['contact-update.json'] ?? {},
            }),
            context(),
        );
        const flow = await createFlowEventsHandler(async () => s)(
            post({
                entityLogicalName: 'contact',
                recordId: contactId,
                message: 'Update',
                changedAttributes: ['mobilephone'],
            }),
            context(),
        );
        expect(webhook.status).toBe(202);
        expect(flow.status).toBe(202);
        expect((flow.jsonBody as { transactionId: string }).transactionId).toBe(
            (webhook.jsonBody as { transactionId: string }).transactionId,
        );
    });

    it('ignores an update whose changed columns are only the integration-owned ones (our own write-back)', async () => {
        const s = servicesWithRows({ [`contact/${contactId}`]: { ...contactRow, re_erppostingid: 'ERP-1' } });
        const res = await createFlowEventsHandler(async () => s)(
            post({
                entityLogicalName: 'contact',
                recordId: contactId,
                message: 'Update',
                changedAttributes: ['re_erppostingid'],
            }),
            context(),
        );
        expect(res.status).toBe(202);
        expect(res.jsonBody).toEqual({
            status: 'ignored',
            reason: 'update touches only integration-owned columns (our own confirmation)',
        });
        expect(s.sent).toEqual([]);
    });

    it('ignores a table the map does not cover without reading Dataverse', async () => {
        const read: string[] = [];
        const s = servicesWithRows({}, read);
        const res = await createFlowEventsHandler(async () => s)(
            post({ entityLogicalName: 'account', recordId: contactId, message: 'Create' }),
            context(),
        );
        expect(res.jsonBody).toEqual({ status: 'ignored', reason: 'table account is not in entity map 1.0.0' });
        expect(read).toEqual([]);
    });

    it('ignores a row that no longer exists', async () => {
        const s = servicesWithRows({});
        const res = await createFlowEventsHandler(async () => s)(
            post({ entityLogicalName: 'contact', recordId: contactId, message: 'Create' }),
            context(),
        );
        expect(res.status).toBe(202);
        expect(res.jsonBody).toEqual({
            status: 'ignored',
            reason: `contact ${contactId} does not exist in Dataverse`,
        });
    });

    it('refuses a delete that needs the pre-image a flow cannot send, and ignores deletes that are not propagated', async () => {
        const s = servicesWithRows({});
        const handler = createFlowEventsHandler(async () => s);
        const reservation = await handler(
            post({ entityLogicalName: 're_reservation', recordId: contactId, message: 'Delete' }),
            context(),
        );
        expect(reservation.status).toBe(400);
        expect(reservation.jsonBody).toMatchObject({ error: { code: 'DELETE_NEEDS_PRE_IMAGE', field: 'message' } });
        const contact = await handler(
            post({ entityLogicalName: 'contact', recordId: contactId, message: 'Delete' }),
            context(),
        );
        expect(contact.jsonBody).toEqual({ status: 'ignored', reason: 'message Delete on contact is not mapped' });
        expect(s.sent).toEqual([]);
    });

    it('answers 400 naming the field for a bad body, and enqueues nothing', async () => {
        const s = servicesWithRows({ [`contact/${contactId}`]: contactRow });
        const handler = createFlowEventsHandler(async () => s);
        const cases: Array<[unknown, string]> = [
            [{ entityLogicalName: 'contact', recordId: 'not-a-guid', message: 'Create' }, 'recordId'],
            [{ entityLogicalName: 'contact', recordId: contactId, message: 'Upsert' }, 'message'],
            [{ entityLogicalName: 'Contact Table', recordId: contactId, message: 'Create' }, 'entityLogicalName'],
            [{ entityLogicalName: 'contact', recordId: contactId, message: 'Create', extra: 1 }, 'body'],
        ];
        for (const [body, field] of cases) {
            const res = await handler(post(body), context());
            expect(res.status).toBe(400);
            expect((res.jsonBody as { error: { field: string } }).error.field).toBe(field);
        }
        const notJson = await handler(post('{"entityLogicalName":'), context());
        expect(notJson.status).toBe(400);
        expect(notJson.jsonBody).toMatchObject({ error: { code: 'INVALID_JSON' } });
        expect(s.sent).toEqual([]);
    });

    it('answers 503 when Dataverse cannot be read, so the flow retries', async () => {
        const s = memoryServices({
            crm: { retrieve: async () => Promise.reject(new Error('CRM_UNAVAILABLE')), writeBack: async () => {} },
        });
        const res = await createFlowEventsHandler(async () => s)(
            post({ entityLogicalName: 'contact', recordId: contactId, message: 'Create' }),
            context(),
        );
        expect(res.status).toBe(503);
        expect(s.sent).toEqual([]);
    });
});
