import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { crmUnavailableKey } from '../../src/core/conditionKeys';
import { acceptEvent } from '../../src/core/intake';
import { RelatedRecords } from '../../src/core/relatedRecords';
import { parseDataverseWebhook } from '../../src/dataverse/parseWebhook';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { silentLogger } from '../../src/ports/logger';
import { PipelineWorld } from '../support/pipelineWorld';

const entityMap = loadConfigFile('config/entity-map.v1.json', entityMapSchema);
const headers = JSON.parse(readFileSync('test/fixtures/dataverse/headers.json', 'utf8')) as Record<string, string>;
const contactCreate = readFileSync('test/fixtures/dataverse/contact-create.json', 'utf8');
const personal = ['Layla', 'Haddad', 'layla.haddad@example.com', '+971 50 000 0101', '784-0000-0000001-1'];
const contactId = '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11';

/** Intake of the contact fixture into a world, as the webhook would: what is queued and stored. */
async function acceptContact(w: PipelineWorld): Promise<TransactionEnvelope> {
    const event = parseDataverseWebhook(contactCreate, headers);
    if (!event.ok) throw new Error(event.error.message);
    const sent: TransactionEnvelope[] = [];
    const outcome = await acceptEvent(event.value, {
        entityMap,
        queue: {
            send: async (messages) => {
                for (const m of messages) sent.push(m.body as TransactionEnvelope);
                await w.deps.queue.send(messages);
            },
        },
        store: w.store,
        gates: w.gates,
        related: new RelatedRecords(entityMap, w.lookup, w.deps.crm),
        crm: w.deps.crm,
        clock: w.deps.clock,
        logger: silentLogger,
    });
    expect(outcome.kind).toBe('accepted');
    const [envelope] = sent;
    if (!envelope) throw new Error('nothing queued');
    return envelope;
}

const containsPersonal = (value: unknown) => personal.filter((p) => JSON.stringify(value).includes(p));

describe('personal data goes to the ERP and nowhere else', () => {
    it('is left out of the queue message and Table Storage, read from the CRM row for the ERP call, and masked in the audit', async () => {
        const w = new PipelineWorld();
        const envelope = await acceptContact(w);
        expect(containsPersonal(envelope)).toEqual([]);
        expect(envelope.personalFields).toEqual(['firstName', 'lastName', 'email', 'phone', 'nationalId']);
        expect(containsPersonal(await w.store.get(envelope.transactionId))).toEqual([]);

        // The row as the Web API returns it when the session handler asks, right before the ERP call.
        w.crmRows.set(`contact/${contactId}`, {
            firstname: 'Layla',
            lastname: 'Haddad',
            emailaddress1: 'layla.haddad@example.com',
            mobilephone: '+971 50 000 0101',
            re_nationalid: '784-0000-0000001-1',
        });
        await w.run();
        const posting = w.erp.books.postings.find((p) => p.integrationReference === envelope.transactionId);
        expect(posting?.body).toMatchObject({
            firstName: 'Layla',
            lastName: 'Haddad',
            email: 'layla.haddad@example.com',
            phone: '+971 50 000 0101',
            nationalId: '784-0000-0000001-1',
        });
        expect((await w.store.get(envelope.transactionId))?.state).toBe('confirmed');
        const audit = await w.store.listAudit(envelope.transactionId);
        expect(containsPersonal(audit)).toEqual([]);
        expect(audit.find((a) => a.action === 'post' && a.outcome === 'ok')?.payload).toMatchObject({
            email: '[personal data]',
            nationalId: '[personal data]',
            customerRef: contactId,
        });
        expect(containsPersonal(await w.store.get(envelope.transactionId))).toEqual([]);
    });

    it('waits for Dataverse when the row cannot be read, and posts when it answers again', async () => {
        const w = new PipelineWorld({ probeIntervalMs: 60_000 });
        const envelope = await acceptContact(w);
        w.crmRows.set(`contact/${contactId}`, { firstname: 'Layla', lastname: 'Haddad' });
        w.crmDown = true;
        await w.run();
        const parked = await w.store.get(envelope.transactionId);
        expect([parked?.state, parked?.lastFailure?.condition, parked?.lastFailure?.owner]).toEqual([
            'parked',
            crmUnavailableKey,
            'integration',
        ]);
        expect(w.erp.calls).toBe(0);
        w.crmDown = false;
        await w.settle();
        expect((await w.store.get(envelope.transactionId))?.state).toBe('confirmed');
        expect(w.erp.books.postings.filter((p) => p.integrationReference === envelope.transactionId)).toHaveLength(1);
    });

    it('sends a transaction whose CRM row was deleted before posting to review for sales operations', async () => {
        const w = new PipelineWorld();
        const envelope = await acceptContact(w);
        await w.run();
        const record = await w.store.get(envelope.transactionId);
        expect([record?.state, record?.lastFailure?.code, record?.lastFailure?.owner]).toEqual([
            'review',
            'CRM_ROW_GONE',
            'salesOperations',
        ]);
        expect(w.erp.calls).toBe(0);
    });
});
