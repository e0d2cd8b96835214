import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionNotificationSchema } from '../../functions/api/subscriptionSchemas';
import { type LocalRuntime, startLocalRuntime } from '../../local/localRuntime';
import { localTestSettings } from '../support/localTestSettings';

/**
 * The connector's path on the real local stack (Azurite tables, embedded queue, sandbox Dataverse and ERP): a flow
 * subscribes its trigger, submits a row through POST /api/flow/events, and is told when the ERP posted it.
 */
let runtime: LocalRuntime;
let subscriber: Server;
let callbackBase: string;
const received: unknown[] = [];

beforeAll(async () => {
    const settings = localTestSettings(mkdtempSync(join(tmpdir(), 'connector-')));
    runtime = await startLocalRuntime(settings, () => {});
    subscriber = createServer((req, res) => {
        let text = '';
        req.on('data', (c: Buffer) => {
            text += c.toString();
        });
        req.on('end', () => {
            received.push(JSON.parse(text));
            res.writeHead(200).end();
        });
    });
    await new Promise<void>((resolve) => subscriber.listen(0, '127.0.0.1', resolve));
    callbackBase = `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
    await runtime?.stop();
    await new Promise<void>((resolve) => subscriber?.close(() => resolve()) ?? resolve());
});

const api = (path: string, init: RequestInit = {}) =>
    fetch(path.startsWith('http') ? path : `${runtime.host.url}${path}`, {
        ...init,
        headers: {
            'content-type': 'application/json',
            'x-functions-key': runtime.functionKey,
            ...(init.headers ?? {}),
        },
    });

const contactId = '5b0e7c11-2f3a-4d5e-8f90-a1b2c3d4e5f6';

describe('connector trigger and flow intake on the local runtime', () => {
    let location = '';

    it('subscribes a flow and tells it when a row it submitted is posted to the ERP, once', async () => {
        const subscribed = await api('/api/subscriptions', {
            method: 'POST',
            body: JSON.stringify({ callbackUrl: `${callbackBase}/flow?sig=s`, events: ['posted'] }),
        });
        expect(subscribed.status).toBe(201);
        location = subscribed.headers.get('location') ?? '';
        expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/subscriptions\/[0-9a-f-]{36}$/);

        runtime.dataverse.records.put('contact', contactId, { firstname: 'Omar', lastname: 'Nasser' });
        const submit = () =>
            api('/api/flow/events', {
                method: 'POST',
                body: JSON.stringify({ entityLogicalName: 'contact', recordId: contactId, message: 'Create' }),
            });
        const first = await submit();
        expect(first.status).toBe(202);
        const accepted = (await first.json()) as { status: string; transactionId: string };
        expect(accepted.status).toBe('accepted');
        await runtime.pump.idle();
        // The ERP's confirmation was written back to the row (a new version), but no mapped column changed.
        const again = (await (await submit()).json()) as { status: string; reason: string };
        await runtime.pump.idle();
        expect(again).toEqual({
            status: 'ignored',
            reason: `no mapped column of contact changed since ${accepted.transactionId}`,
        });

        const customers = runtime.erp.books.postings.filter((p) => p.type === 'customers' && p.reference === contactId);
        expect(customers).toHaveLength(1);
        expect(received).toHaveLength(1);
        expect(transactionNotificationSchema.parse(received[0])).toMatchObject({
            event: 'posted',
            transactionId: accepted.transactionId,
            type: 'customer',
            sourceRecordId: contactId,
            erpPostingId: expect.any(String),
        });
    });

    it('stops telling the flow once it unsubscribes through the Location', async () => {
        expect((await api(location, { method: 'DELETE' })).status).toBe(204);
        runtime.dataverse.records.put('contact', contactId, { firstname: 'Omar', lastname: 'Nasser-Haddad' });
        const res = await api('/api/flow/events', {
            method: 'POST',
            body: JSON.stringify({ entityLogicalName: 'contact', recordId: contactId, message: 'Update' }),
        });
        expect(((await res.json()) as { status: string }).status).toBe('accepted');
        await runtime.pump.idle();
        expect(received).toHaveLength(1);
    });
});
