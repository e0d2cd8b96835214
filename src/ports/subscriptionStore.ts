import type { NotificationEvent } from '../subscriptions/transactionNotification';

/** A flow's webhook trigger: where to POST, and which events it wants. */
export interface Subscription {
    id: string;
    /** The flow's callback URL. It carries a signature (`sig=`): a secret, never logged or returned. */
    callbackUrl: string;
    events: NotificationEvent[];
    createdAt: string;
}

/** Subscriptions of webhook triggers: Table Storage in Azure and locally (Azurite); an in-memory twin for tests. */
export interface SubscriptionStore {
    add(subscription: Subscription): Promise<void>;
    /** True when it existed. */
    remove(id: string): Promise<boolean>;
    get(id: string): Promise<Subscription | undefined>;
    list(): Promise<Subscription[]>;
}
