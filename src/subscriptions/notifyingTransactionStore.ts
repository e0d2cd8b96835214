import type { TransactionStore } from '../ports/transactionStore';
import type { NotificationDispatcher } from './notificationDispatcher';
import { eventOfState } from './transactionNotification';

/**
 * The store, with state changes into parked, review/dead-lettered and posted announced to the subscribed flows.
 * Every state change of the pipeline goes through `updateState`, so this is the one place to hook. A Proxy keeps
 * every other method the store has (or gains) untouched. Only a change *into* an announced state is announced, so a
 * transaction parked again under the same condition does not notify twice.
 */
export function notifyingTransactionStore(
    inner: TransactionStore,
    dispatcher: NotificationDispatcher,
): TransactionStore {
    const updateState: TransactionStore['updateState'] = async (transactionId, patch, at) => {
        const event = eventOfState(patch.state);
        // Nobody listening (the usual case): no extra reads on the pipeline's hot path.
        if (!event || !(await dispatcher.wants(event))) return inner.updateState(transactionId, patch, at);
        const before = await inner.get(transactionId);
        const after = await inner.updateState(transactionId, patch, at);
        if (before?.state !== after.state) await dispatcher.dispatch(after);
        return after;
    };
    return new Proxy(inner, {
        get(target, property, receiver) {
            if (property === 'updateState') return updateState;
            const value = Reflect.get(target, property, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
        },
    });
}
