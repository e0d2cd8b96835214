import type { Result } from '../domain/result';
import { err, ok } from '../domain/result';
import type { Subscription, SubscriptionStore } from '../ports/subscriptionStore';
import { checkCallbackUrl } from './callbackUrl';
import type { NotificationEvent } from './transactionNotification';

export interface SubscribeRequest {
    callbackUrl: string;
    events: NotificationEvent[];
}

/** Subscribing and unsubscribing webhook triggers (the connector's trigger calls these when a flow is switched on/off). */
export class Subscriptions {
    constructor(
        readonly store: SubscriptionStore,
        private readonly options: { allowLoopbackHttp: boolean },
    ) {}

    async subscribe(
        request: SubscribeRequest,
        id: string,
        now: Date,
    ): Promise<Result<Subscription, { field: string; message: string }>> {
        const url = checkCallbackUrl(request.callbackUrl, this.options);
        if (!url.ok) return err({ field: 'callbackUrl', message: url.error });
        const subscription: Subscription = {
            id,
            callbackUrl: url.value.toString(),
            events: [...new Set(request.events)],
            createdAt: now.toISOString(),
        };
        await this.store.add(subscription);
        return ok(subscription);
    }

    unsubscribe(id: string): Promise<boolean> {
        return this.store.remove(id);
    }
}
