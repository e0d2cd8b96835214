import type { Failure } from '../domain/failure';
import type { TransactionType } from '../domain/transaction';
import type { TransactionRecord, TransactionState } from '../domain/transactionRecord';

/** What a flow can subscribe to: a transaction parked, sent to review (or dead-lettered), or posted to the ERP. */
export const notificationEvents = ['parked', 'review', 'posted'] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

/** The event a state announces, if any. */
export function eventOfState(state: TransactionState): NotificationEvent | undefined {
    if (state === 'parked') return 'parked';
    if (state === 'review' || state === 'deadLettered') return 'review';
    if (state === 'posted') return 'posted';
    return undefined;
}

/**
 * The body POSTed to a subscriber's callback. Identifiers, state and the failure only: the mapped data can hold a
 * buyer's e-mail, phone or national id, and a callback URL leaves our boundary, so the data never travels in it.
 */
export interface TransactionNotification {
    subscriptionId: string;
    event: NotificationEvent;
    transactionId: string;
    type: TransactionType;
    state: TransactionState;
    sessionId: string;
    sourceEntity: string;
    sourceRecordId: string;
    correlationId: string;
    erpPostingId: string | null;
    failure: Failure | null;
    occurredAt: string;
}

export function notificationOf(
    record: TransactionRecord,
    event: NotificationEvent,
    subscriptionId: string,
): TransactionNotification {
    const { envelope } = record;
    return {
        subscriptionId,
        event,
        transactionId: envelope.transactionId,
        type: envelope.type,
        state: record.state,
        sessionId: envelope.sessionId,
        sourceEntity: envelope.source.entity,
        sourceRecordId: envelope.source.recordId,
        correlationId: envelope.correlationId,
        erpPostingId: record.erpPostingId ?? null,
        failure: record.lastFailure ?? null,
        occurredAt: record.updatedAt,
    };
}
