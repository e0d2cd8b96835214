import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { OutgoingMessage, SessionQueue } from '../../ports/sessionQueue';
import { inSpan } from '../../telemetry/inSpan';
import { spanNames } from '../../telemetry/telemetryNames';
import { traceProperties } from '../../telemetry/traceContext';

/**
 * Sending with a producer span, and its W3C trace context in every message's application properties, so the
 * session-triggered function continues the same trace (Service Bus carries application properties untouched).
 */
export function tracingSessionQueue(inner: Pick<SessionQueue, 'send'>, tracer: Tracer): Pick<SessionQueue, 'send'> {
    return {
        send: (messages: OutgoingMessage[]) =>
            inSpan(
                tracer,
                spanNames.queueSend,
                {
                    kind: SpanKind.PRODUCER,
                    attributes: {
                        'messaging.system': 'servicebus',
                        'messaging.batch.message_count': messages.length,
                        // The session kind (unit, building, contact), not its id: a contact session names a person.
                        'messaging.session_kinds': [...new Set(messages.map((m) => m.sessionId.split('-')[0] ?? ''))],
                    },
                },
                () => {
                    const context = traceProperties();
                    return inner.send(
                        messages.map((m) => ({
                            ...m,
                            applicationProperties: { ...m.applicationProperties, ...context },
                        })),
                    );
                },
            ),
    };
}
