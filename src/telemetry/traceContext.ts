import {
    type Context,
    context,
    propagation,
    ROOT_CONTEXT,
    type SpanContext,
    TraceFlags,
    trace,
} from '@opentelemetry/api';

const guid = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Dataverse's CorrelationId (a GUID: 128 bits, like a W3C trace id) as the trace id, so the whole trace of an event
 * is found in Application Insights under the id Dataverse's own logs and plug-in trace show (operation id = the GUID
 * without dashes). Undefined when it is not a usable GUID (the SDK then starts a fresh trace).
 */
export function traceIdFromCorrelation(correlationId: string | undefined): string | undefined {
    if (!correlationId || !guid.test(correlationId)) return undefined;
    const id = correlationId.replaceAll('-', '').toLowerCase();
    return /^0+$/.test(id) ? undefined : id;
}

/** A context whose remote parent carries the correlation's trace id; `base` unchanged when there is none. */
export function contextForCorrelation(correlationId: string | undefined, base: Context = ROOT_CONTEXT): Context {
    const traceId = traceIdFromCorrelation(correlationId);
    if (!traceId) return base;
    const parent: SpanContext = {
        traceId,
        // The span id of a parent that exists only in Dataverse: derived, so every hop names the same one.
        spanId: traceId.slice(0, 16),
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
    };
    return trace.setSpanContext(base, parent);
}

/** The W3C trace context of `ctx` as message application properties (`traceparent`, `tracestate`). */
export function traceProperties(ctx: Context = context.active()): Record<string, string> {
    const carrier: Record<string, string> = {};
    propagation.inject(ctx, carrier);
    return carrier;
}

/**
 * The context a received message continues: its `traceparent` when the sender put one in the application
 * properties, else the correlation's trace (a message sent before tracing was on, or by a host that drops them).
 */
export function contextFromMessage(
    properties: Record<string, unknown> | undefined,
    correlationId: string | undefined,
): Context {
    const carrier: Record<string, string> = {};
    for (const key of ['traceparent', 'tracestate']) {
        const value = properties?.[key];
        if (typeof value === 'string') carrier[key] = value;
    }
    if (carrier.traceparent) {
        const extracted = propagation.extract(ROOT_CONTEXT, carrier);
        if (trace.getSpanContext(extracted)) return extracted;
    }
    return contextForCorrelation(correlationId);
}
