import { type Attributes, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';

/**
 * Runs `work` inside an active span, ends it, and records a thrown error as the span's exception (type and message
 * only: messages in this code base carry codes and ids, never personal data). `describe` adds attributes from the result.
 */
export async function inSpan<T>(
    tracer: Tracer,
    name: string,
    options: { kind?: SpanKind; attributes?: Attributes },
    work: (span: Span) => Promise<T>,
    describe?: (result: T, span: Span) => void,
): Promise<T> {
    return tracer.startActiveSpan(
        name,
        { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} },
        async (span) => {
            try {
                const result = await work(span);
                describe?.(result, span);
                return result;
            } catch (e) {
                const error = e instanceof Error ? e : new Error(String(e));
                span.recordException({ name: error.name, message: error.message });
                span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
                throw e;
            } finally {
                span.end();
            }
        },
    );
}
