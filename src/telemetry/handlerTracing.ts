import { type Attributes, context, SpanKind, trace } from '@opentelemetry/api';
import type { IntakeOutcome } from '../core/intake';
import type { SessionMessage } from '../core/sessionMessage';
import { inSpan } from './inSpan';
import { spanNames, tracerName } from './telemetryNames';
import { contextForCorrelation, contextFromMessage } from './traceContext';

const tracer = () => trace.getTracer(tracerName);

/** Dataverse's CorrelationId from the raw body, for the trace id; nothing else is read here (intake parses properly). */
function correlationOf(body: string): string | undefined {
    try {
        const parsed: unknown = JSON.parse(body);
        const id = (parsed as { CorrelationId?: unknown } | null)?.CorrelationId;
        return typeof id === 'string' ? id : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The intake of one Dataverse event as the root of its trace: trace id = Dataverse's CorrelationId, linked to the
 * host's request span. Everything intake does (Dataverse reads, the enqueue) is a child of it.
 */
export function traceIntake(body: string, work: () => Promise<IntakeOutcome>): Promise<IntakeOutcome> {
    const correlationId = correlationOf(body);
    const host = trace.getSpanContext(context.active());
    const parent = contextForCorrelation(correlationId, context.active());
    return context.with(parent, () =>
        inSpan(
            tracer(),
            spanNames.intake,
            {
                kind: SpanKind.SERVER,
                attributes: correlationId ? { 'dataverse.correlation_id': correlationId } : {},
            },
            async (span) => {
                if (host && host.traceId !== span.spanContext().traceId) span.addLink({ context: host });
                return work();
            },
            (outcome, span) => span.setAttributes(intakeAttributes(outcome)),
        ),
    );
}

function intakeAttributes(outcome: IntakeOutcome): Attributes {
    switch (outcome.kind) {
        case 'accepted':
            return {
                'intake.outcome': 'accepted',
                'transaction.id': outcome.transactionId,
                'transaction.type': outcome.type,
                // A bad CRM row: accepted, bound for review (the column, never its value).
                ...(outcome.invalid ? { 'intake.invalid_field': outcome.invalid.field } : {}),
            };
        case 'rejected':
            return {
                'intake.outcome': 'rejected',
                'error.code': outcome.code,
                ...(outcome.field ? { 'error.field': outcome.field } : {}),
            };
        default:
            return { 'intake.outcome': outcome.kind };
    }
}

/**
 * One delivery in the session-triggered function, continuing the trace of whoever sent it (intake, a scheduled
 * retry, a reprocess): the W3C context from the message's application properties, else the correlation id's trace.
 */
export function traceProcessing<T>(
    message: SessionMessage,
    metadata: {
        applicationProperties?: unknown;
        ApplicationProperties?: unknown;
        userProperties?: unknown;
        correlationId?: unknown;
        deliveryCount?: unknown;
        sessionId?: unknown;
    },
    work: () => Promise<T>,
): Promise<T> {
    // The Node worker camel-cases the Service Bus extension's binding data (ApplicationProperties, formerly UserProperties).
    const properties = (metadata.applicationProperties ?? metadata.ApplicationProperties ?? metadata.userProperties) as
        | Record<string, unknown>
        | undefined;
    const correlationId =
        message.kind === 'transaction'
            ? message.envelope.correlationId
            : typeof metadata.correlationId === 'string'
              ? metadata.correlationId
              : undefined;
    const attributes: Attributes = {
        'messaging.system': 'servicebus',
        'messaging.message.kind': message.kind,
        'messaging.delivery_count': Number(metadata.deliveryCount ?? 1),
        'messaging.session_kind': String(metadata.sessionId ?? '').split('-')[0] ?? '',
        ...(message.kind === 'transaction'
            ? { 'transaction.id': message.envelope.transactionId, 'transaction.type': message.envelope.type }
            : {
                  'control.kind': message.control.control,
                  ...(message.control.transactionId ? { 'transaction.id': message.control.transactionId } : {}),
              }),
    };
    return context.with(contextFromMessage(properties, correlationId), () =>
        inSpan(tracer(), spanNames.process, { kind: SpanKind.CONSUMER, attributes }, () => work()),
    );
}
