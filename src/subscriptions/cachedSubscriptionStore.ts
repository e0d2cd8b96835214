import type { Subscription, SubscriptionStore } from '../ports/subscriptionStore';

/**
 * The subscription list, read from the store at most once per `ttlMs`: every posting asks who wants to hear of it,
 * and almost always the answer has not changed (measured on Azurite: the uncached hook cost about 35 ms per posting).
 * Subscribing or unsubscribing through this instance refreshes it at once; another instance's change is seen within
 * `ttlMs`, and a flow deleted meanwhile answers 404/410, which unsubscribes it.
 */
export function cachedSubscriptionStore(
    inner: SubscriptionStore,
    ttlMs: number,
    now: () => number = Date.now,
): SubscriptionStore {
    let cached: { at: number; list: Promise<Subscription[]> } | undefined;
    const invalidate = () => {
        cached = undefined;
    };
    return {
        add: async (subscription) => {
            invalidate();
            await inner.add(subscription);
            invalidate();
        },
        remove: async (id) => {
            invalidate();
            const removed = await inner.remove(id);
            invalidate();
            return removed;
        },
        get: (id) => inner.get(id),
        list: async () => {
            if (!cached || now() - cached.at >= ttlMs) {
                const list = inner.list();
                cached = { at: now(), list };
                // A failed read is not cached: the next caller tries again.
                list.catch(() => {
                    if (cached?.list === list) invalidate();
                });
            }
            return structuredClone(await cached.list);
        },
    };
}
