import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import {
    contextForCorrelation,
    contextFromMessage,
    traceIdFromCorrelation,
    traceProperties,
} from '../../src/telemetry/traceContext';
import { installTestTelemetry } from './otelTestKit';

beforeAll(() => {
    installTestTelemetry();
});

describe('trace context', () => {
    it("takes Dataverse's CorrelationId as the trace id, and refuses what is not a usable GUID", () => {
        expect(traceIdFromCorrelation('0B6F7A2E-5D4C-4E3B-9A1F-2C8D7E6F5A41')).toBe('0b6f7a2e5d4c4e3b9a1f2c8d7e6f5a41');
        for (const bad of [undefined, '', 'corr-1', '00000000-0000-0000-0000-000000000000', '0b6f7a2e-5d4c']) {
            expect(traceIdFromCorrelation(bad)).toBeUndefined();
        }
    });

    it('puts the trace context into message properties and reads it back', () => {
        const ctx = contextForCorrelation('0b6f7a2e-5d4c-4e3b-9a1f-2c8d7e6f5a41');
        const span = trace.getTracer('t').startSpan('send', {}, ctx);
        const properties = traceProperties(trace.setSpan(ctx, span));
        span.end();
        expect(properties.traceparent).toBe(`00-0b6f7a2e5d4c4e3b9a1f2c8d7e6f5a41-${span.spanContext().spanId}-01`);
        const received = trace.getSpanContext(contextFromMessage(properties, 'ignored-when-a-traceparent-is-there'));
        expect([received?.traceId, received?.spanId, received?.isRemote]).toEqual([
            '0b6f7a2e5d4c4e3b9a1f2c8d7e6f5a41',
            span.spanContext().spanId,
            true,
        ]);
    });

    it('continues the correlation trace when a message carries no (or a broken) traceparent', () => {
        for (const properties of [undefined, {}, { traceparent: 'garbage' }]) {
            const ctx = contextFromMessage(properties, '0b6f7a2e-5d4c-4e3b-9a1f-2c8d7e6f5a41');
            expect(trace.getSpanContext(ctx)?.traceId).toBe('0b6f7a2e5d4c4e3b9a1f2c8d7e6f5a41');
        }
        expect(trace.getSpanContext(contextFromMessage({}, undefined))).toBeUndefined();
        expect(contextForCorrelation('not-a-guid', ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    });
});
