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
        if (e.code === 'SessionLockLost' || e.code === 'MessageLockLost') return new SessionLockLostError(e.message);
        if (unavailableCodes.has(e.code))
            return new QueueUnavailableError(`Service Bus ${e.code}: ${e.message}`, { cause: e });
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

    constructor(
        connection: ServiceBusConnection,
        private readonly queueName: string,
    ) {
        this.#client =
            'connectionString' in connection
                ? new ServiceBusClient(connection.connectionString)
                : new ServiceBusClient(connection.fullyQualifiedNamespace, connection.credential);
        this.#sender = this.#client.createSender(queueName);
    }

    async send(messages: OutgoingMessage[]): Promise<void> {
        const now = Date.now();
        const immediate = messages.filter((m) => !m.scheduledEnqueueTime || m.scheduledEnqueueTime.getTime() <= now);
        const scheduled = messages.filter((m) => m.scheduledEnqueueTime && m.scheduledEnqueueTime.getTime() > now);
        try {
            if (immediate.length > 0) await this.#sender.sendMessages(immediate.map(toServiceBusMessage));
            for (const m of scheduled)
                await this.#sender.scheduleMessages(toServiceBusMessage(m), m.scheduledEnqueueTime as Date);
        } catch (e) {
            throw translateServiceBusError(e);
        }
    }

    async acceptNextSession(waitMs: number): Promise<SessionLease | null> {
        let receiver: ServiceBusSessionReceiver;
        try {
            receiver = await this.#client.acceptNextSession(this.queueName, {
                receiveMode: 'peekLock',
                maxAutoLockRenewalDurationInMs: 0,
                abortSignal: AbortSignal.timeout(Math.max(waitMs, 1000)),
            });
        } catch (e) {
            if (isServiceBusError(e) && (e.code === 'ServiceTimeout' || e.code === 'SessionCannotBeLocked'))
                return null;
            if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) return null;
            throw translateServiceBusError(e);
        }
        return leaseOver(receiver);
    }

    async peekDeadLetters(max: number): Promise<DeadLetteredMessage[]> {
        const receiver = this.#client.createReceiver(this.queueName, { subQueueType: 'deadLetter' });
        try {
            const messages = await receiver.peekMessages(max);
            return messages.map((m) => ({
                ...toReceived(m),
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
}

function leaseOver(receiver: ServiceBusSessionReceiver): SessionLease {
    const byToken = new Map<string, ServiceBusReceivedMessage>();
    const settle = async (message: ReceivedMessage, action: (m: ServiceBusReceivedMessage) => Promise<void>) => {
        const original = byToken.get(message.lockToken);
        if (!original)
            throw new SessionLockLostError(`message ${message.messageId} is not locked by this session receiver`);
        try {
            await action(original);
            byToken.delete(message.lockToken);
        } catch (e) {
            throw translateServiceBusError(e);
        }
    };
    return {
        sessionId: receiver.sessionId,
        async receive(max, waitMs) {
            try {
                const messages = await receiver.receiveMessages(max, { maxWaitTimeInMs: waitMs });
                return messages.map((m) => {
                    const received = toReceived(m);
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
            try {
                await receiver.renewSessionLock();
            } catch (e) {
                throw translateServiceBusError(e);
            }
        },
        close: () => receiver.close(),
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

function toReceived(m: ServiceBusReceivedMessage): ReceivedMessage {
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
        deliveryCount: m.deliveryCount ?? 1,
        enqueuedAt: m.enqueuedTimeUtc ?? new Date(0),
        lockToken: m.lockToken ?? String(m.sequenceNumber ?? ''),
    };
}
