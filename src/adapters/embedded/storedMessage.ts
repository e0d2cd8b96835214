import type { OutgoingMessage, ReceivedMessage } from '../../ports/sessionQueue';

/** A message as the embedded queue keeps it in memory and in its journal. */
export interface StoredMessage {
    seq: number;
    messageId: string;
    sessionId: string;
    body: unknown;
    correlationId?: string;
    subject?: string;
    applicationProperties: Record<string, string | number | boolean>;
    enqueuedAt: number;
    /** When the message becomes visible; session order is (visibleAt, seq), so a scheduled one queues when it appears. */
    visibleAt: number;
    /** Deliveries so far; an abandoned message keeps its place and counts up. */
    deliveryCount: number;
    deadLetter?: { reason: string; description: string };
}

export function toStored(m: OutgoingMessage, seq: number, now: number): StoredMessage {
    const scheduled = m.scheduledEnqueueTime?.getTime();
    return {
        seq,
        messageId: m.messageId,
        sessionId: m.sessionId,
        // A JSON copy, like a real broker: the sender may mutate its object, and the journal holds JSON anyway.
        body: m.body === undefined ? null : JSON.parse(JSON.stringify(m.body)),
        ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        applicationProperties: { ...(m.applicationProperties ?? {}) },
        enqueuedAt: now,
        visibleAt: scheduled !== undefined && scheduled > now ? scheduled : now,
        deliveryCount: 0,
    };
}

export function toReceived(m: StoredMessage, lockToken: string): ReceivedMessage {
    return {
        messageId: m.messageId,
        sessionId: m.sessionId,
        body: structuredClone(m.body),
        ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        applicationProperties: { ...m.applicationProperties },
        deliveryCount: m.deliveryCount,
        enqueuedAt: new Date(m.enqueuedAt),
        lockToken,
    };
}

/** The reason Service Bus gives, so operators read the same words locally and in Azure. */
export function maxDeliveryReason(m: StoredMessage): [reason: string, description: string] {
    return ['MaxDeliveryCountExceeded', `delivered ${m.deliveryCount} times without being completed`];
}
