import { SpanStatusCode, trace } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { registerStateGauges } from '../../src/adapters/otel/stateGauges';
import { routeTemplate, tracingErpClient } from '../../src/adapters/otel/tracingErpClient';
import { tracingNotifier } from '../../src/adapters/otel/tracingNotifier';
import type { Failure } from '../../src/domain/failure';
import type { ErpClient } from '../../src/ports/erpClient';
import { metricNames, spanNames, tracerName } from '../../src/telemetry/telemetryNames';
import { envelope } from '../contract/transactionStore.contract';
import { anyState } from '../support/anyState';
import { attributeText, installTestTelemetry, points } from './otelTestKit';

const telemetry = installTestTelemetry();
const tracer = trace.getTracer(tracerName);
const meter = () => telemetry.meterProvider.getMeter(tracerName);
beforeEach(() => telemetry.reset());

const frozen: Failure = {
    class: 'blocked',
    code: 'ERP_PERIOD_FROZEN',
    message: 'period 2026-11 frozen',
    owner: 'finance',
};
const request = {
    method: 'PUT' as const,
    path: '/erp/v1/receipts/RCT-70001',
    target: { resource: 'receipts', reference: 'RCT-70001' },
    idempotencyKey: 'k-1',
    body: { payer: 'Layla Haddad' },
    correlationId: 'c',
};

describe('tracing ERP client', () => {
    it('marks a refused posting as an error span with class, code, owner and status, and no body', async () => {
        const inner: ErpClient = {
            post: async () => ({ kind: 'failed', failure: frozen, status: 409 }),
            findPostings: async () => [],
            periodStatus: async () => 'frozen',
        };
        const outcome = await tracingErpClient(inner, tracer, meter()).post(request);
        expect(outcome.kind).toBe('failed');
        const [span] = telemetry.spans();
        expect(span?.name).toBe(spanNames.erpPost);
        expect(span?.status.code).toBe(SpanStatusCode.ERROR);
        expect(span?.attributes).toMatchObject({
            'erp.route': '/erp/v1/receipts/{id}',
            'failure.class': 'blocked',
            'failure.code': 'ERP_PERIOD_FROZEN',
            'failure.owner': 'finance',
            'http.response.status_code': 409,
        });
        expect(attributeText(telemetry.spans())).not.toContain('Layla');
    });

    it('records a thrown error on the span and rethrows it unchanged', async () => {
        const boom = new Error('ERP_UNREACHABLE');
        const inner: ErpClient = {
            post: async () => Promise.reject(boom),
            findPostings: async () => Promise.reject(boom),
            periodStatus: async () => Promise.reject(boom),
        };
        await expect(tracingErpClient(inner, tracer, meter()).periodStatus('2026-11')).rejects.toBe(boom);
        const [span] = telemetry.spans();
        expect([span?.name, span?.status.code, span?.events[0]?.name]).toEqual([
            spanNames.erpPeriodStatus,
            SpanStatusCode.ERROR,
            'exception',
        ]);
        const duration = points(await telemetry.collect(), metricNames.erpDuration);
        expect(duration.map((p) => p.attributes)).toContainEqual({ operation: 'periodStatus', outcome: 'error' });
    });

    it('traces a look-up by reference with its resource and what it found, not the reference', async () => {
        const inner: ErpClient = {
            post: async () => ({ kind: 'posted', postingId: 'P', replayed: false }),
            findPostings: async (target) => [
                {
                    postingId: 'ERP-0000001',
                    type: target.resource,
                    reference: target.reference,
                    integrationReference: 'tx-1',
                    postedAt: '2026-11-10T09:00:00.000Z',
                },
            ],
            periodStatus: async () => 'open',
        };
        const found = await tracingErpClient(inner, tracer, meter()).findPostings(request.target);
        expect(found.map((p) => p.integrationReference)).toEqual(['tx-1']);
        const [span] = telemetry.spans();
        expect([span?.name, span?.attributes]).toEqual([
            spanNames.erpLookup,
            { 'erp.resource': 'receipts', 'erp.found': true, 'erp.postings': 1 },
        ]);
        expect(attributeText(telemetry.spans())).not.toContain('RCT-70001');
    });

    it('keeps the route, not the record, in the path', () => {
        expect(routeTemplate('/erp/v1/customers/8f4c2a10-6e1b')).toBe('/erp/v1/customers/{id}');
        expect(routeTemplate('/erp/v1/postings?idempotencyKey=abc')).toBe('/erp/v1/postings');
        expect(routeTemplate('/erp/v1/periods/2026-11/status')).toBe('/erp/v1/periods/{id}/{id}');
    });
});

describe('tracing notifier', () => {
    it('counts recipients and names the channel, never addresses, subjects or bodies', async () => {
        const notifier = tracingNotifier(
            { sendMail: async () => {}, postToChannel: async () => ({ messageId: 'm-1' }) },
            tracer,
        );
        await notifier.sendMail({ to: ['layla.haddad@example.com'], subject: 'Your unit 1203', html: '<p>Layla</p>' });
        await notifier.postToChannel({ teamId: 't', channelId: 'c', card: { text: 'Layla' }, summary: 'Layla' });
        const text = attributeText(telemetry.spans());
        expect(telemetry.spans().map((s) => s.name)).toEqual([spanNames.graphMail, spanNames.graphChannel]);
        expect(telemetry.spans()[0]?.attributes).toEqual({ 'mail.recipients': 1 });
        for (const secret of ['layla', 'Layla', '1203']) expect(text).not.toContain(secret);
    });
});

describe('state gauges', () => {
    it('report open transactions by state and the age of the oldest parked one, reading the store at most once a minute', async () => {
        const store = new MemoryTransactionStore();
        for (const [id, state, at] of [
            ['a', 'parked', '2026-11-10T11:00:00.000Z'],
            ['b', 'parked', '2026-11-10T11:50:00.000Z'],
            ['c', 'review', '2026-11-10T11:55:00.000Z'],
        ] as const) {
            await store.recordAccepted(envelope({ transactionId: id }), at);
            await store.updateState(id, { from: anyState, state }, at);
        }
        let reads = 0;
        const counted = {
            listByState: (...args: Parameters<MemoryTransactionStore['listByState']>) => {
                reads++;
                return store.listByState(...args);
            },
        };
        let now = new Date('2026-11-10T12:00:00.000Z');
        registerStateGauges(meter(), counted, () => now);
        const first = await telemetry.collect();
        expect(points(first, metricNames.open)).toContainEqual({ attributes: { state: 'parked' }, value: 2 });
        expect(points(first, metricNames.open)).toContainEqual({ attributes: { state: 'review' }, value: 1 });
        expect(points(first, metricNames.parkedOldestAge)).toEqual([{ attributes: {}, value: 3600 }]);
        const readsAfterFirst = reads;
        now = new Date('2026-11-10T12:00:30.000Z');
        await telemetry.collect();
        expect(reads).toBe(readsAfterFirst);
        now = new Date('2026-11-10T12:01:00.000Z');
        await telemetry.collect();
        expect(reads).toBe(readsAfterFirst * 2);
    });
});
