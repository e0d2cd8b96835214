/**
 * The ordered queue: Azure Service Bus with sessions in Azure, the embedded journaled queue locally.
 * Both are held to one contract suite (test/contract/sessionQueue.contract.ts).
 *
 * Semantics (those of a session-enabled Service Bus queue):
 * - FIFO per session; one receiver holds a session at a time (a lock), other sessions flow concurrently.
 * - `send` resolves only once the messages are durable; a rejected promise means nothing was accepted.
 * - A message whose id was sent within the duplicate-detection window is dropped silently (still resolves).
 * - abandon → redelivered with deliveryCount + 1; past maxDeliveryCount it moves to the dead-letter queue.
 * - a session lock that expires without renewal releases the session; its unsettled messages are redelivered.
 * - scheduledEnqueueTime hides a message until then (it keeps its place in session order when it appears).
 */
export interface OutgoingMessage {
    messageId: string;
    sessionId: string;
    body: unknown;
    correlationId?: string;
    subject?: string;
    applicationProperties?: Record<string, string | number | boolean>;
    scheduledEnqueueTime?: Date;
}

export interface ReceivedMessage {
    messageId: string;
    sessionId: string;
    body: unknown;
    correlationId?: string;
    subject?: string;
    applicationProperties: Record<string, string | number | boolean>;
    /** 1 on first delivery. */
    deliveryCount: number;
    enqueuedAt: Date;
    /** Opaque handle the queue needs to settle this delivery. */
    readonly lockToken: string;
}

export interface DeadLetterOptions {
    reason: string;
    description: string;
}

export interface SessionLease {
    readonly sessionId: string;
    /** Up to `max` messages in session order; waits up to `waitMs` for the first. Empty when none. */
    receive(max: number, waitMs: number): Promise<ReceivedMessage[]>;
    complete(message: ReceivedMessage): Promise<void>;
    abandon(message: ReceivedMessage): Promise<void>;
    deadLetter(message: ReceivedMessage, options: DeadLetterOptions): Promise<void>;
    renewLock(): Promise<void>;
    /** Releases the session lock; unsettled messages go back to the session. */
    close(): Promise<void>;
}

export interface DeadLetteredMessage extends ReceivedMessage {
    deadLetterReason: string;
    deadLetterDescription: string;
}

export interface SessionQueue {
    send(messages: OutgoingMessage[]): Promise<void>;
    /** The next session with available messages that nobody holds; null when none within `waitMs`. */
    acceptNextSession(waitMs: number): Promise<SessionLease | null>;
    /** Reads dead-lettered messages without removing them. */
    peekDeadLetters(max: number): Promise<DeadLetteredMessage[]>;
    close(): Promise<void>;
}

/** Thrown by adapters when the queue cannot take a message right now (intake answers 503 so Dataverse retries). */
export class QueueUnavailableError extends Error {
    readonly code = 'QUEUE_UNAVAILABLE';
    readonly isQueueUnavailableError = true;
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'QueueUnavailableError';
    }
}

export function isQueueUnavailableError(e: unknown): e is QueueUnavailableError {
    return (
        typeof e === 'object' &&
        e !== null &&
        (e as { isQueueUnavailableError?: unknown }).isQueueUnavailableError === true
    );
}
