import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusError, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import {
    fromServiceBusMessage,
    ServiceBusSessionQueue,
    translateServiceBusError,
} from '../../../src/adapters/azure/serviceBusSessionQueue';
import { isQueueUnavailableError } from '../../../src/ports/sessionQueue';
import { runSessionQueueContract } from '../../contract/sessionQueue.contract';

const connectionString = process.env.SERVICEBUS_TEST_CONNECTION_STRING;
const namespace = process.env.SERVICEBUS_TEST_NAMESPACE;
const queue = process.env.SERVICEBUS_TEST_QUEUE;
const configured = Boolean(queue && (connectionString || namespace));

// The same contract the embedded queue passes. It needs a real session-enabled queue, which this machine cannot
// reach; set the variables below to run it against a namespace (lock duration 5 s, max delivery count 3).
runSessionQueueContract('Azure Service Bus', {
    lockDurationMs: 5000,
    maxDeliveryCount: 3,
    ...(configured
        ? {}
        : {
              skip: 'no Service Bus namespace configured (set SERVICEBUS_TEST_NAMESPACE and SERVICEBUS_TEST_QUEUE); the embedded queue runs the same contract',
          }),
    create: async () =>
        new ServiceBusSessionQueue(
            connectionString
                ? { connectionString }
                : { fullyQualifiedNamespace: namespace ?? '', credential: new DefaultAzureCredential() },
            queue ?? '',
        ),
});

describe('translateServiceBusError', () => {
    it('turns a busy or unreachable namespace into QueueUnavailableError (with the cause) so intake answers 503', () => {
        for (const code of ['ServiceBusy', 'ServiceTimeout', 'ServiceCommunicationProblem', 'QuotaExceeded'] as const) {
            const original = new ServiceBusError('try later', code);
            const translated = translateServiceBusError(original);
            expect([isQueueUnavailableError(translated), translated.message, translated.cause]).toEqual([
                true,
                `Service Bus ${code}: try later`,
                original,
            ]);
        }
    });

    it('turns socket errors, which the SDK reports as GeneralError, into QueueUnavailableError', () => {
        const socket = new ServiceBusError('ECONNRESET: socket hang up', 'GeneralError');
        expect(isQueueUnavailableError(translateServiceBusError(socket))).toBe(true);
        const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5671'), { code: 'ECONNREFUSED' });
        expect(isQueueUnavailableError(translateServiceBusError(refused))).toBe(true);
    });

    it('turns lost session and message locks into SESSION_LOCK_LOST', () => {
        for (const code of ['SessionLockLost', 'MessageLockLost'] as const) {
            const translated = translateServiceBusError(new ServiceBusError('gone', code));
            expect([translated.name, (translated as { code?: string }).code, translated.message]).toEqual([
                'SessionLockLostError',
                'SESSION_LOCK_LOST',
                `Service Bus ${code}: gone`,
            ]);
        }
    });

    it('keeps configuration errors as they are: retrying would not help', () => {
        for (const code of ['MessagingEntityNotFound', 'UnauthorizedAccess', 'MessageSizeExceeded'] as const) {
            const error = new ServiceBusError('no', code);
            expect(translateServiceBusError(error)).toBe(error);
        }
        expect(translateServiceBusError('odd')).toMatchObject({ message: 'odd' });
    });
});

describe('fromServiceBusMessage', () => {
    it('counts deliveries from 1 (the JS SDK reports the AMQP count of earlier attempts) and keeps plain properties', () => {
        const enqueued = new Date('2025-03-01T09:00:00Z');
        const received = fromServiceBusMessage({
            messageId: 'm-1',
            sessionId: 'unit-7',
            body: { n: 1 },
            correlationId: 'corr',
            subject: 'reservation',
            applicationProperties: { kind: 'receipt', version: 2, nested: null },
            deliveryCount: 0,
            enqueuedTimeUtc: enqueued,
            lockToken: 'token-1',
        } as unknown as ServiceBusReceivedMessage);
        expect(received).toEqual({
            messageId: 'm-1',
            sessionId: 'unit-7',
            body: { n: 1 },
            correlationId: 'corr',
            subject: 'reservation',
            applicationProperties: { kind: 'receipt', version: 2 },
            deliveryCount: 1,
            enqueuedAt: enqueued,
            lockToken: 'token-1',
        });
    });
});
