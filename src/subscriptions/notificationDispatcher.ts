import type { TransactionRecord } from '../domain/transactionRecord';
import { consoleWarnings, type Logger } from '../ports/logger';
import type { SubscriptionStore } from '../ports/subscriptionStore';
import type { CallbackSender } from './callbackSender';
import { eventOfState, type NotificationEvent, notificationOf } from './transactionNotification';

export interface DispatchReport {
    delivered: string[];
    failed: string[];
    /** Subscriptions whose callback answered 404 or 410 (the flow was deleted): removed. */
    removed: string[];
}

/**
 * Tells the subscribed flows that a transaction was parked, sent to review or posted. Best effort by design: the
 * transaction's own state is already durable, and a subscriber that is down must not hold up or fail the posting;
 * a failed delivery is logged with the subscription id only (the callback URL carries a signature).
 */
export class NotificationDispatcher {
    private readonly deps: { subscriptions: SubscriptionStore; send: CallbackSender; logger: Logger };

    constructor(deps: { subscriptions: SubscriptionStore; send: CallbackSender; logger?: Logger }) {
        this.deps = { ...deps, logger: deps.logger ?? consoleWarnings };
    }

    /** Does any flow want to hear of this event? False (and a warning) when the subscriptions cannot be read. */
    async wants(event: NotificationEvent): Promise<boolean> {
        try {
            return (await this.deps.subscriptions.list()).some((s) => s.events.includes(event));
        } catch (e) {
            this.deps.logger.warn('subscriptions unreadable; transaction event not delivered', {
                event,
                error: e instanceof Error ? e.message : String(e),
            });
            return false;
        }
    }

    async dispatch(record: TransactionRecord): Promise<DispatchReport> {
        const report: DispatchReport = { delivered: [], failed: [], removed: [] };
        const event = eventOfState(record.state);
        if (!event) return report;
        let subscriptions: Awaited<ReturnType<SubscriptionStore['list']>>;
        try {
            subscriptions = (await this.deps.subscriptions.list()).filter((s) => s.events.includes(event));
        } catch (e) {
            this.deps.logger.warn('subscriptions unreadable; transaction event not delivered', {
                transactionId: record.envelope.transactionId,
                error: e instanceof Error ? e.message : String(e),
            });
            return report;
        }
        await Promise.all(
            subscriptions.map(async (s) => {
                try {
                    const { status } = await this.deps.send(s.callbackUrl, notificationOf(record, event, s.id));
                    if (status === 404 || status === 410) {
                        await this.deps.subscriptions.remove(s.id);
                        report.removed.push(s.id);
                    } else if (status >= 200 && status < 300) {
                        report.delivered.push(s.id);
                    } else {
                        throw new Error(`callback answered ${status}`);
                    }
                } catch (e) {
                    report.failed.push(s.id);
                    this.deps.logger.warn('transaction event not delivered', {
                        subscriptionId: s.id,
                        transactionId: record.envelope.transactionId,
                        event,
                        error: e instanceof Error ? e.name : 'error',
                    });
                }
            }),
        );
        return report;
    }
}
