import { readFileSync } from 'node:fs';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { SpanKind, trace } from '@opentelemetry/api';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDataverseEventsHandler } from '../../functions/handlers/dataverseEvents';
import { createProcessTransactionHandler } from '../../functions/handlers/processTransaction';
import type { Services } from '../../functions/services';
import { meteredTransactionStore } from '../../src/adapters/otel/meteredTransactionStore';
import { tracingCrmClient } from '../../src/adapters/otel/tracingCrmClient';
import { tracingErpClient } from '../../src/adapters/otel/tracingErpClient';
import { tracingNotifier } from '../../src/adapters/otel/tracingNotifier';
import { tracingSessionQueue } from '../../src/adapters/otel/tracingSessionQueue';
import type { OutgoingMessage } from '../../src/ports/sessionQueue';
import { metricNames, spanNames, tracerName } from '../../src/telemetry/telemetryNames';
import { memoryServices } from '../support/memoryServices';
import { attributeText, installTestTelemetry, points } from './otelTestKit';

const telemetry = installTestTelemetry();
const headers = JSON.parse(readFileSync('test/fixtures/dataverse/headers.json', 'utf8')) as Record<
    string,
    Record<string, string>
>;
const context = (triggerMetadata: Record<string, unknown> = {}) =>
    new InvocationContext({ functionName: 'test', logHandler: () => {}, triggerMetadata });
const contact = readFileSync('test/fixtures/dataverse/contact-create.json', 'utf8');
const correlationTraceId = '0b6f7a2e5d4c4e3b9a1f2c8d7e6f5a41';
/** The buyer in the fixture: name, e-mail, phone and national id must never leave in telemetry. */
const personalData = ['Layla', 'Haddad', 'layla.haddad@example.com', '+971 50 000 0101', '784-0000-0000001-1'];

/** Services as assembleServices decorates them, over the in-memory twins. */
function tracedServices(): Services & { sent: OutgoingMessage[] } {
    const base = memoryServices();
    const tracer = trace.getTracer(tracerName);
    const meter = telemetry.meterProvider.getMeter(tracerName);
    const sent: OutgoingMessage[] = [];
    return {
        ...base,
        sent,
        queue: tracingSessionQueue({ send: async (m) => void sent.push(...m) }, tracer),
        store: meteredTransactionStore(base.store, meter),
        erp: tracingErpClient(base.erp, tracer, meter),
        // The buyer's row, read right before the ERP call for its personal data.
        crm: tracingCrmClient(
            { ...base.crm, retrieve: async () => ({ firstname: 'Layla', lastname: 'Haddad' }) },
            tracer,
        ),
        notifier: tracingNotifier(base.notifier, tracer),
    };
}

/** The webhook, then the session-triggered function on the message it enqueued, as the Functions host would call it. */
async function acceptAndProcess(s: Services & { sent: OutgoingMessage[] }, withProperties: boolean) {
    const request = new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/dataverse/events',
        body: { string: contact },
        headers: headers['contact-create.json'] ?? {},
    });
    const accepted = await createDataverseEventsHandler(async () => s)(request, context());
    expect(accepted.status).toBe(202);
    const message = s.sent[0];
    if (!message) throw new Error('nothing enqueued');
    await createProcessTransactionHandler(async () => s)(
        message.body,
        context({
            sessionId: message.sessionId,
            deliveryCount: 1,
            correlationId: message.correlationId,
            ...(withProperties ? { applicationProperties: message.applicationProperties } : {}),
        }),
    );
    return message;
}

beforeAll(() => {
    expect(telemetry.spans()).toEqual([]);
});
beforeEach(() => telemetry.reset());

describe('one trace per Dataverse event', () => {
    it('runs from intake through the queue to the ERP and CRM under the CorrelationId, each hop the child of the last', async () => {
        const s = tracedServices();
        const message = await acceptAndProcess(s, true);
        expect(message.applicationProperties?.traceparent).toMatch(
            new RegExp(`^00-${correlationTraceId}-[0-9a-f]{16}-01$`),
        );
        const spans = telemetry.spans();
        const byName = (name: string) => {
            const found = spans.filter((x) => x.name === name);
            expect([name, found.length]).toEqual([name, 1]);
            return found[0] as (typeof spans)[number];
        };
        const intake = byName(spanNames.intake);
        const send = byName(spanNames.queueSend);
        const process = byName(spanNames.process);
        const post = byName(spanNames.erpPost);
        const writeBack = byName(spanNames.crmWriteBack);
        expect(new Set(spans.map((x) => x.spanContext().traceId))).toEqual(new Set([correlationTraceId]));
        expect(send.parentSpanContext?.spanId).toBe(intake.spanContext().spanId);
        expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
        expect(post.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
        expect(writeBack.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
        expect([intake.kind, send.kind, process.kind, post.kind]).toEqual([
            SpanKind.SERVER,
            SpanKind.PRODUCER,
            SpanKind.CONSUMER,
            SpanKind.CLIENT,
        ]);
        expect(intake.attributes).toMatchObject({ 'intake.outcome': 'accepted', 'transaction.type': 'customer' });
        expect(post.attributes).toMatchObject({ 'erp.route': '/erp/v1/customers/{id}', 'erp.outcome': 'posted' });
        expect((await s.store.get(message.messageId))?.state).toBe('confirmed');
    });

    it('continues the same trace from the CorrelationId when the host passes no application properties', async () => {
        await acceptAndProcess(tracedServices(), false);
        const spans = telemetry.spans();
        expect(spans.map((x) => x.name)).toContain(spanNames.process);
        expect(new Set(spans.map((x) => x.spanContext().traceId))).toEqual(new Set([correlationTraceId]));
    });

    it("carries none of the buyer's personal data in spans", async () => {
        await acceptAndProcess(tracedServices(), true);
        const text = attributeText(telemetry.spans());
        expect(text.length).toBeGreaterThan(500);
        for (const value of personalData) expect([value, text.includes(value)]).toEqual([value, false]);
    });

    it('counts the acceptance, each state entered and the latency to posted and confirmed', async () => {
        await acceptAndProcess(tracedServices(), true);
        const collected = await telemetry.collect();
        const states = points(collected, metricNames.stateChanges).map((p) => p.attributes.state);
        expect(states).toEqual(expect.arrayContaining(['processing', 'posted', 'confirmed']));
        expect(points(collected, metricNames.accepted).some((p) => p.attributes.type === 'customer')).toBe(true);
        for (const name of [metricNames.latencyPosted, metricNames.latencyConfirmed]) {
            const [point] = points(collected, name);
            expect([name, (point?.value as { count: number } | undefined)?.count ?? 0]).not.toEqual([name, 0]);
        }
        expect(points(collected, metricNames.erpDuration).map((p) => p.attributes)).toContainEqual({
            operation: 'post',
            outcome: 'posted',
        });
        const metricText = JSON.stringify(collected.scopeMetrics);
        for (const value of personalData) expect([value, metricText.includes(value)]).toEqual([value, false]);
    });
});
