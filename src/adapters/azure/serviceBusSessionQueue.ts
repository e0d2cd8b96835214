import type { TokenCredential } from '@azure/identity';
import {
    type ServiceBusClient as Client,
    isServiceBusError,
    ServiceBusClient,
    type ServiceBusMessage,
    type ServiceBusReceivedMessage,
    type ServiceBusSender,
    type ServiceBusSessionReceiver,
} from '@azure/service-bus';
import type {
    DeadLetteredMessage,
    DeadLetterOptions,
    OutgoingMessage,
    ReceivedMessage,
    SessionLease,
    SessionQueue,
} from '../../ports/sessionQueue';
import { QueueUnavailableError } from '../../ports/sessionQueue';
import { SessionLockLostError } from '../embedded/sessionLockLostError';

export type ServiceBusConnection =
    | { fullyQualifiedNamespace: string; credential: TokenCredential }
    | { connectionString: string };

/** Codes meaning "not now": intake answers 503 and Dataverse retries. GeneralError is where the SDK puts socket errors. */
const unavailableCodes = new Set([
    'ServiceBusy',
    'ServiceTimeout',
    'ServiceCommunicationProblem',
    'QuotaExceeded',
    'GeneralError',
    'MessagingEntityDisabled',
]);

/**
 * Anti-corruption at the boundary: Service Bus errors become the port's errors. A send that cannot be accepted is
 * QueueUnavailableError (intake answers 503 and Dataverse retries); lost locks are SESSION_LOCK_LOST.
 */
export function translateServiceBusError(e: unknown): Error {
    if (isServiceBusError(e)) {
        if (e.code === 'SessionLockLost' || e.code === 'MessageLockLost') {
            return new SessionLockLostError(`Service Bus ${e.code}: ${e.message}`, { cause: e });
        }
        if (unavailableCodes.has(e.code)) {
            return new QueueUnavailableError(`Service Bus ${e.code}: ${e.message}`, { cause: e });
        }
        return e;
    }
    if (
        e instanceof Error &&
        /ECONN|ENOTFOUND|ETIMEDOUT|socket|network/i.test(`${(e as { code?: string }).code ?? ''} ${e.message}`)
    ) {
        return new QueueUnavailableError(`Service Bus unreachable: ${e.message}`, { cause: e });
    }
    return e instanceof Error ? e : new Error(String(e));
}

/** The session queue over Azure Service Bus; in Azure the Functions trigger receives, this adapter sends. */
export class ServiceBusSessionQueue implements SessionQueue {
    readonly #client: Client;
    readonly #sender: ServiceBusSender;
    readonly #queueName: string;

    constructor(connection: ServiceBusConnection, queueName: string) {
        this.#queueName = queueName;
        this.#client =
            'connectionString' in connection
                ? new ServiceBusClient(connection.connectionString)
                : new ServiceBusClient(connection.fullyQualifiedNamespace, connection.credential);
        this.#sender = this.#client.createSender(queueName);
    }

    /**
     * Immediate messages go per session (a partitioned namespace refuses a batch mixing sessions), in batches that
     * fit the namespace's size limit. Several batches are not atomic together: a retry after a rejection may resend
     * some, which duplicate detection (messageId) then drops.
     */
    async send(messages: OutgoingMessage[]): Promise<void> {
        const now = Date.now();
        const isScheduled = (m: OutgoingMessage) => (m.scheduledEnqueueTime?.getTime() ?? now) > now;
        const bySession = new Map<string, ServiceBusMessage[]>();
        for (const m of messages.filter((x) => !isScheduled(x))) {
            const group = bySession.get(m.sessionId) ?? [];
            group.push(toServiceBusMessage(m));
            bySession.set(m.sessionId, group);
        }
        try {
            for (const group of bySession.values()) await this.#sendInBatches(group);
            for (const m of messages.filter(isScheduled)) {
                await this.#sender.scheduleMessages(toServiceBusMessage(m), m.scheduledEnqueueTime as Date);
            }
        } catch (e) {
            throw translateServiceBusError(e);
        }
    }

    async acceptNextSession(waitMs: number): Promise<SessionLease | null> {
        let receiver: ServiceBusSessionReceiver;
        try {
            receiver = await this.#client.acceptNextSession(this.#queueName, {
                receiveMode: 'peekLock',
                // The caller renews (the pump locally, the Functions host in Azure); the SDK must not hold locks itself.
                maxAutoLockRenewalDurationInMs: 0,
                // Opening a session link takes a network round trip or more; a shorter wait could never succeed.
                abortSignal: AbortSignal.timeout(Math.max(waitMs, 1000)),
            });
        } catch (e) {
            // No free session within the wait (or another receiver won the one offered): not an error.
            if (isServiceBusError(e) && (e.code === 'ServiceTimeout' || e.code === 'SessionCannotBeLocked')) {
                return null;
            }
            if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) return null;
            throw translateServiceBusError(e);
        }
        return leaseOver(receiver);
    }

    async peekDeadLetters(max: number): Promise<DeadLetteredMessage[]> {
        const receiver = this.#client.createReceiver(this.#queueName, { subQueueType: 'deadLetter' });
        try {
            const messages = await receiver.peekMessages(max);
            return messages.map((m) => ({
                ...fromServiceBusMessage(m),
                deadLetterReason: m.deadLetterReason ?? '',
                deadLetterDescription: m.deadLetterErrorDescription ?? '',
            }));
        } catch (e) {
            throw translateServiceBusError(e);
        } finally {
            await receiver.close();
        }
    }

    async close(): Promise<void> {
        await this.#sender.close();
        await this.#client.close();
    }

    async #sendInBatches(messages: ServiceBusMessage[]): Promise<void> {
        const [only] = messages;
        if (messages.length === 1 && only) return this.#sender.sendMessages(only);
        let batch = await this.#sender.createMessageBatch();
        for (const m of messages) {
            if (batch.tryAddMessage(m)) continue;
            if (batch.count > 0) await this.#sender.sendMessages(batch);
            batch = await this.#sender.createMessageBatch();
            // Larger than any batch: alone it may still go (large messages on Premium), or fail with its own code.
            if (!batch.tryAddMessage(m)) await this.#sender.sendMessages(m);
        }
        if (batch.count > 0) await this.#sender.sendMessages(batch);
    }
}

function leaseOver(receiver: ServiceBusSessionReceiver): SessionLease {
    const byToken = new Map<string, ServiceBusReceivedMessage>();
    let closed = false;
    const assertHeld = () => {
        if (closed) throw new SessionLockLostError(`the lock on session ${receiver.sessionId} was released`);
    };
    const settle = async (message: ReceivedMessage, action: (m: ServiceBusReceivedMessage) => Promise<void>) => {
        assertHeld();
        const original = byToken.get(message.lockToken);
        if (!original) {
            throw new SessionLockLostError(
                `message ${message.messageId} is not locked by this session receiver (already settled, or redelivered)`,
            );
        }
        byToken.delete(message.lockToken);
        try {
            await action(original);
        } catch (e) {
            throw translateServiceBusError(e);
        }
    };
    return {
        sessionId: receiver.sessionId,
        async receive(max, waitMs) {
            assertHeld();
            try {
                const messages = await receiver.receiveMessages(max, { maxWaitTimeInMs: waitMs });
                return messages.map((m) => {
                    const received = fromServiceBusMessage(m);
                    byToken.set(received.lockToken, m);
                    return received;
                });
            } catch (e) {
                throw translateServiceBusError(e);
            }
        },
        complete: (m) => settle(m, (original) => receiver.completeMessage(original)),
        abandon: (m) => settle(m, (original) => receiver.abandonMessage(original)),
        deadLetter: (m, options: DeadLetterOptions) =>
            settle(m, (original) =>
                receiver.deadLetterMessage(original, {
                    deadLetterReason: options.reason,
                    deadLetterErrorDescription: options.description,
                }),
            ),
        async renewLock() {
            assertHeld();
            try {
                await receiver.renewSessionLock();
            } catch (e) {
                throw translateServiceBusError(e);
            }
        },
        async close() {
            if (closed) return;
            closed = true;
            byToken.clear();
            await receiver.close();
        },
    };
}

function toServiceBusMessage(m: OutgoingMessage): ServiceBusMessage {
    return {
        messageId: m.messageId,
        sessionId: m.sessionId,
        body: m.body,
        contentType: 'application/json',
        ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        ...(m.applicationProperties ? { applicationProperties: m.applicationProperties } : {}),
    };
}

/** Maps a received Service Bus message to the port's shape (exported for its unit test). */
export function fromServiceBusMessage(m: ServiceBusReceivedMessage): ReceivedMessage {
    return {
        messageId: String(m.messageId ?? ''),
        sessionId: m.sessionId ?? '',
        body: m.body,
        ...(m.correlationId !== undefined ? { correlationId: String(m.correlationId) } : {}),
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        applicationProperties: Object.fromEntries(
            Object.entries(m.applicationProperties ?? {}).filter((e): e is [string, string | number | boolean] =>
                ['string', 'number', 'boolean'].includes(typeof e[1]),
            ),
        ),
        // The JS SDK exposes the raw AMQP header, which counts earlier attempts (0 on first delivery); the port counts
        // deliveries, as the .NET SDK and the Functions trigger metadata do.
        deliveryCount: (m.deliveryCount ?? 0) + 1,
        enqueuedAt: m.enqueuedTimeUtc ?? new Date(0),
        lockToken: m.lockToken ?? String(m.sequenceNumber ?? ''),
    };
}
