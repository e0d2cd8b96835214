import { InvocationContext } from '@azure/functions';
import type { Registration, SessionQueueRegistration } from '../functions/registrations';
import type { ReceivedMessage } from '../src/ports/sessionQueue';

/** Calls the registered Service Bus session function the way the Functions host does: body plus trigger metadata. */
export function queueTrigger(
    registrations: Registration[],
    log: (line: string) => void,
): (message: ReceivedMessage) => Promise<void> {
    const registration = registrations.find((r): r is SessionQueueRegistration => r.kind === 'serviceBusSessionQueue');
    if (!registration) throw new Error('no Service Bus session function is registered');
    return async (message) => {
        const context = new InvocationContext({
            functionName: registration.name,
            triggerMetadata: {
                messageId: message.messageId,
                sessionId: message.sessionId,
                deliveryCount: message.deliveryCount,
                enqueuedTimeUtc: message.enqueuedAt.toISOString(),
                correlationId: message.correlationId,
                // As the Functions host passes them, so the trace context (traceparent) crosses the local queue too.
                applicationProperties: message.applicationProperties,
            },
            logHandler: (level, ...args) => {
                if (level === 'warning' || level === 'error') log(`[${registration.name}] ${args.join(' ')}`);
            },
        });
        await registration.handler(message.body, context);
    };
}
