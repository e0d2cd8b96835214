import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transactionNotificationSchema } from '../../functions/api/subscriptionSchemas';
import { MemorySubscriptionStore } from '../../src/adapters/memory/memorySubscriptionStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import type { LogFields } from '../../src/ports/logger';
import { fetchCallbackSender } from '../../src/subscriptions/callbackSender';
import { NotificationDispatcher } from '../../src/subscriptions/notificationDispatcher';
import { notifyingTransactionStore } from '../../src/subscriptions/notifyingTransactionStore';
import type { NotificationEvent } from '../../src/subscriptions/transactionNotification';
import { anyState } from '../support/anyState';

/** A subscriber on loopback (the flow's callback): records what it receives and answers with `status`. */
let server: Server;
let base: string;
let received: Array<{ path: string; body: unknown }>;
let status: number;
beforeEach(async () => {
    received = [];
    status = 202;
    server = createServer((req, res) => {
        let text = '';
        req.on('data', (c: Buffer) => {
            text += c.toString();
        });
        req.on('end', () => {
            received.push({ path: req.url ?? '', body: JSON.parse(text) });
            res.writeHead(status).end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
});

const envelope: TransactionEnvelope = {
    transactionId: 'contact-1-abc',
    type: 'customer',
    action: 'upsert',
    sessionId: 'contact-1',
    source: { entity: 'contact', recordId: '1', message: 'Create', changedAt: '2026-11-10T08:59:00Z' },
    correlationId: 'corr-1',
    entityMapVersion: '1.0.0',
    acceptedAt: '2026-11-10T09:00:00Z',
    data: { contactId: '1', email: 'buyer@example.com', phone: '+971500000001', nationalId: '784-1990-1234567-1' },
};

async function world(events: NotificationEvent[][]) {
    const subscriptions = new MemorySubscriptionStore();
    for (const [i, e] of events.entries()) {
        await subscriptions.add({
            id: `s${i}`,
            callbackUrl: `${base}/hook/${i}?sig=secret`,
            events: e,
            createdAt: `t${i}`,
        });
    }
    const warnings: Array<{ message: string; fields?: LogFields }> = [];
    const logger = {
        info: () => {},
        warn: (message: string, fields?: LogFields) => void warnings.push({ message, fields }),
        error: () => {},
    };
    const inner = new MemoryTransactionStore();
    const dispatcher = new NotificationDispatcher({ subscriptions, send: fetchCallbackSender(2_000), logger });
    const store = notifyingTransactionStore(inner, dispatcher);
    await store.recordAccepted(envelope, '2026-11-10T09:00:00Z');
    return { store, subscriptions, warnings };
}

const parkFailure = {
    class: 'blocked' as const,
    code: 'ERP_PERIOD_FROZEN',
    message: 'period 2026-11 frozen',
    owner: 'finance' as const,
    condition: 'period 2026-11 frozen',
};

describe('transaction events to subscribed flows', () => {
    it('POSTs a parked transaction to the subscribers of parked, in the published shape, without personal data', async () => {
        const { store } = await world([['parked'], ['posted']]);
        await store.updateState(
            'contact-1-abc',
            { from: anyState, state: 'parked', lastFailure: parkFailure },
            '2026-11-10T09:01:00Z',
        );
        expect(received.map((r) => r.path)).toEqual(['/hook/0?sig=secret']);
        const body = transactionNotificationSchema.parse(received[0]?.body);
        expect(body).toEqual({
            subscriptionId: 's0',
            event: 'parked',
            transactionId: 'contact-1-abc',
            type: 'customer',
            state: 'parked',
            sessionId: 'contact-1',
            sourceEntity: 'contact',
            sourceRecordId: '1',
            correlationId: 'corr-1',
            erpPostingId: null,
            failure: parkFailure,
            occurredAt: '2026-11-10T09:01:00Z',
        });
        const text = JSON.stringify(received[0]?.body);
        for (const personal of ['buyer@example.com', '+971500000001', '784-1990-1234567-1']) {
            expect(text).not.toContain(personal);
        }
    });

    it('announces review (also dead-lettered) and posted, and nothing for other states', async () => {
        const { store } = await world([['review', 'posted']]);
        await store.updateState('contact-1-abc', { from: anyState, state: 'processing' }, 't1');
        await store.updateState('contact-1-abc', { from: anyState, state: 'review' }, 't2');
        await store.updateState('contact-1-abc', { from: anyState, state: 'deadLettered' }, 't3');
        await store.updateState('contact-1-abc', { from: anyState, state: 'queued' }, 't4');
        await store.updateState('contact-1-abc', { from: anyState, state: 'posted', erpPostingId: 'ERP-9' }, 't5');
        await store.updateState('contact-1-abc', { from: anyState, state: 'confirmed' }, 't6');
        expect(received.map((r) => (r.body as { event: string; state: string }).state)).toEqual([
            'review',
            'deadLettered',
            'posted',
        ]);
        expect(received[2]?.body).toMatchObject({ erpPostingId: 'ERP-9' });
    });

    it('announces a change into a state once: parked again under the same condition does not notify twice', async () => {
        const { store } = await world([['parked']]);
        await store.updateState('contact-1-abc', { from: anyState, state: 'parked', lastFailure: parkFailure }, 't1');
        await store.updateState('contact-1-abc', { from: anyState, state: 'parked', lastFailure: parkFailure }, 't2');
        expect(received).toHaveLength(1);
    });

    it('removes a subscription whose callback answers 410 Gone (the flow was deleted)', async () => {
        const { store, subscriptions } = await world([['posted']]);
        status = 410;
        await store.updateState('contact-1-abc', { from: anyState, state: 'posted', erpPostingId: 'ERP-1' }, 't1');
        expect(await subscriptions.list()).toEqual([]);
    });

    it('never fails or loses the state change when a subscriber is down; logs the subscription id, not the URL', async () => {
        const { store, warnings } = await world([['posted']]);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server = createServer(); // afterEach closes this one
        const record = await store.updateState(
            'contact-1-abc',
            { from: anyState, state: 'posted', erpPostingId: 'ERP-1' },
            't1',
        );
        expect(record.state).toBe('posted');
        expect((await store.get('contact-1-abc'))?.erpPostingId).toBe('ERP-1');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.fields).toMatchObject({ subscriptionId: 's0', transactionId: 'contact-1-abc' });
        expect(JSON.stringify(warnings)).not.toContain('sig=');
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    it('adds no read to a state change nobody subscribed to', async () => {
        const subscriptions = new MemorySubscriptionStore();
        await subscriptions.add({ id: 's', callbackUrl: `${base}/hook`, events: ['review'], createdAt: 't' });
        let reads = 0;
        const inner = new MemoryTransactionStore();
        const counted = new Proxy(inner, {
            get(target, property) {
                if (property === 'get') reads++;
                const value = Reflect.get(target, property, target);
                return typeof value === 'function' ? value.bind(target) : value;
            },
        });
        const dispatcher = new NotificationDispatcher({ subscriptions, send: fetchCallbackSender(2_000) });
        const store = notifyingTransactionStore(counted, dispatcher);
        await store.recordAccepted(envelope, 't0');
        await store.updateState('contact-1-abc', { from: anyState, state: 'posted', erpPostingId: 'E' }, 't1');
        expect(reads).toBe(0);
        await store.updateState('contact-1-abc', { from: anyState, state: 'review' }, 't2');
        expect(reads).toBe(1);
        expect(received).toHaveLength(1);
    });

    it('leaves every other method of the store as it is', async () => {
        const { store } = await world([]);
        expect((await store.listByState('queued', 10)).map((r) => r.envelope.transactionId)).toEqual(['contact-1-abc']);
        await expect(store.updateState('unknown', { from: anyState, state: 'posted' }, 't')).rejects.toMatchObject({
            code: 'TRANSACTION_NOT_FOUND',
        });
    });
});
