import type { Subscription, SubscriptionStore } from '../../ports/subscriptionStore';

export class MemorySubscriptionStore implements SubscriptionStore {
    readonly #subscriptions = new Map<string, Subscription>();

    async add(subscription: Subscription): Promise<void> {
        this.#subscriptions.set(subscription.id, structuredClone(subscription));
    }

    async remove(id: string): Promise<boolean> {
        return this.#subscriptions.delete(id);
    }

    async get(id: string): Promise<Subscription | undefined> {
        const s = this.#subscriptions.get(id);
        return s && structuredClone(s);
    }

    async list(): Promise<Subscription[]> {
        return [...this.#subscriptions.values()]
            .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
            .map((s) => structuredClone(s));
    }
}
