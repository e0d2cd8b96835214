import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { subscriptionResponseSchema } from '../../../functions/api/subscriptionSchemas';
import { createSubscribeHandler, createUnsubscribeHandler } from '../../../functions/handlers/subscriptions';
import { MemorySubscriptionStore } from '../../../src/adapters/memory/memorySubscriptionStore';
import { Subscriptions } from '../../../src/subscriptions/subscriptions';
import { memoryServices } from '../../support/memoryServices';

const callbackUrl =
    'https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRET';

const subscribe = (body: unknown) =>
    new HttpRequest({
        method: 'POST',
        url: 'https://contoso-integration.azurewebsites.net/api/subscriptions?code=key',
        body: { string: JSON.stringify(body) },
        headers: { 'content-type': 'application/json' },
    });
const unsubscribe = (id: string) =>
    new HttpRequest({
        method: 'DELETE',
        url: `https://contoso-integration.azurewebsites.net/api/subscriptions/${id}`,
        params: { subscriptionId: id },
    });

/** Subscriptions as in Azure: https only. */
function azureLike() {
    const store = new MemorySubscriptionStore();
    return { store, s: memoryServices({ subscriptions: new Subscriptions(store, { allowLoopbackHttp: false }) }) };
}

describe('POST /api/subscriptions and DELETE /api/subscriptions/{id}', () => {
    it('subscribes a flow: 201, Location to unsubscribe, the callback stored but never echoed', async () => {
        const { store, s } = azureLike();
        const res = await createSubscribeHandler(async () => s)(
            subscribe({ callbackUrl, events: ['parked', 'posted'] }),
        );
        expect(res.status).toBe(201);
        const body = subscriptionResponseSchema.parse(res.jsonBody);
        expect(body).toEqual({ id: body.id, events: ['parked', 'posted'], createdAt: '2026-11-10T09:00:00.000Z' });
        expect(JSON.stringify(res.jsonBody)).not.toContain('SECRET');
        expect((res.headers as Record<string, string>).location).toBe(
            `https://contoso-integration.azurewebsites.net/api/subscriptions/${body.id}`,
        );
        expect((await store.get(body.id))?.callbackUrl).toBe(callbackUrl);
    });

    it('refuses a plain-HTTP or malformed callback in Azure, naming the field, and stores nothing', async () => {
        const { store, s } = azureLike();
        const handler = createSubscribeHandler(async () => s);
        for (const url of [
            'http://127.0.0.1:7071/hook',
            'http://example.com/hook',
            'not a url',
            'https://u:p@x.com/',
        ]) {
            const res = await handler(subscribe({ callbackUrl: url, events: ['review'] }));
            expect(res.status).toBe(400);
            expect(res.jsonBody).toMatchObject({ error: { code: 'INVALID_CALLBACK', field: 'callbackUrl' } });
        }
        expect(await store.list()).toEqual([]);
    });

    it('answers 400 naming the field for unknown or missing events', async () => {
        const { s } = azureLike();
        const handler = createSubscribeHandler(async () => s);
        const unknown = await handler(subscribe({ callbackUrl, events: ['deleted'] }));
        expect(unknown.status).toBe(400);
        expect((unknown.jsonBody as { error: { field: string } }).error.field).toBe('events.0');
        const none = await handler(subscribe({ callbackUrl, events: [] }));
        expect((none.jsonBody as { error: { field: string } }).error.field).toBe('events');
    });

    it('unsubscribes once: 204, then 404', async () => {
        const { store, s } = azureLike();
        const created = await createSubscribeHandler(async () => s)(subscribe({ callbackUrl, events: ['review'] }));
        const id = (created.jsonBody as { id: string }).id;
        const handler = createUnsubscribeHandler(async () => s);
        expect((await handler(unsubscribe(id))).status).toBe(204);
        expect(await store.list()).toEqual([]);
        const again = await handler(unsubscribe(id));
        expect(again.status).toBe(404);
        expect(again.jsonBody).toMatchObject({ error: { code: 'NOT_FOUND' } });
    });
});
