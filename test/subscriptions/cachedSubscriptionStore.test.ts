import { describe, expect, it } from 'vitest';
import { MemorySubscriptionStore } from '../../src/adapters/memory/memorySubscriptionStore';
import type { Subscription } from '../../src/ports/subscriptionStore';
import { cachedSubscriptionStore } from '../../src/subscriptions/cachedSubscriptionStore';

const subscription = (id: string): Subscription => ({
    id,
    callbackUrl: `https://x.logic.azure.com/${id}?sig=s`,
    events: ['posted'],
    createdAt: id,
});

class CountingStore extends MemorySubscriptionStore {
    lists = 0;
    failNext = false;
    override async list(): Promise<Subscription[]> {
        this.lists++;
        if (this.failNext) {
            this.failNext = false;
            throw new Error('StoreUnavailable');
        }
        return super.list();
    }
}

describe('cached subscription list', () => {
    it('reads the store once per TTL', async () => {
        let now = 0;
        const inner = new CountingStore();
        await inner.add(subscription('a'));
        const store = cachedSubscriptionStore(inner, 30_000, () => now);
        await store.list();
        now = 29_999;
        expect((await store.list()).map((s) => s.id)).toEqual(['a']);
        expect(inner.lists).toBe(1);
        now = 30_000;
        await store.list();
        expect(inner.lists).toBe(2);
    });

    it('sees its own subscribe and unsubscribe at once', async () => {
        const inner = new CountingStore();
        const store = cachedSubscriptionStore(inner, 30_000, () => 0);
        expect(await store.list()).toEqual([]);
        await store.add(subscription('a'));
        expect((await store.list()).map((s) => s.id)).toEqual(['a']);
        expect(await store.remove('a')).toBe(true);
        expect(await store.list()).toEqual([]);
    });

    it('does not cache a failed read, and hands out copies', async () => {
        const inner = new CountingStore();
        await inner.add(subscription('a'));
        const store = cachedSubscriptionStore(inner, 30_000, () => 0);
        inner.failNext = true;
        await expect(store.list()).rejects.toThrow('StoreUnavailable');
        const first = await store.list();
        first[0]?.events.push('review');
        expect((await store.list())[0]?.events).toEqual(['posted']);
        expect(inner.lists).toBe(2);
    });
});
