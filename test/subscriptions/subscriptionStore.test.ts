import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../local/azurite';
import { TableSubscriptionStore } from '../../src/adapters/azure/tableSubscriptionStore';
import { MemorySubscriptionStore } from '../../src/adapters/memory/memorySubscriptionStore';
import type { Subscription, SubscriptionStore } from '../../src/ports/subscriptionStore';

let azurite: AzuriteInstance;
beforeAll(async () => {
    azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'azurite-')) });
});
afterAll(async () => {
    await azurite?.stop();
});

const subscription = (id: string, createdAt: string): Subscription => ({
    id,
    callbackUrl: `https://prod-1.logic.azure.com/workflows/${id}?sig=s`,
    events: ['parked', 'review'],
    createdAt,
});

for (const [name, create] of [
    [
        'Table Storage (Azurite)',
        () =>
            TableSubscriptionStore.create(
                { connectionString: azurite.connectionString },
                `s${Date.now().toString(36)}`,
            ),
    ],
    ['in-memory twin', async () => new MemorySubscriptionStore()],
] as Array<[string, () => Promise<SubscriptionStore>]>) {
    describe(`SubscriptionStore: ${name}`, () => {
        it('adds, reads and lists subscriptions oldest first', async () => {
            const store = await create();
            await store.add(subscription('b', '2026-11-10T09:00:01.000Z'));
            await store.add(subscription('a', '2026-11-10T09:00:00.000Z'));
            expect(await store.get('b')).toEqual(subscription('b', '2026-11-10T09:00:01.000Z'));
            expect(await store.get('missing')).toBeUndefined();
            expect((await store.list()).map((s) => s.id)).toEqual(['a', 'b']);
        });

        it('removes a subscription once and says whether it existed', async () => {
            const store = await create();
            await store.add(subscription('a', '2026-11-10T09:00:00.000Z'));
            expect(await store.remove('a')).toBe(true);
            expect(await store.remove('a')).toBe(false);
            expect(await store.list()).toEqual([]);
        });
    });
}
