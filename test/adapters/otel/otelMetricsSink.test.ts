import {
    AggregationTemporality,
    InMemoryMetricExporter,
    MeterProvider,
    PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { MemoryCallMeter } from '../../../src/adapters/memory/memoryCallMeter';
import { OtelMetricsSink } from '../../../src/adapters/otel/otelMetricsSink';
import { emittingCallMeter } from '../../../src/core/emittingCallMeter';

describe('ERP call meter emitted as OpenTelemetry metrics', () => {
    it('counts erp.calls by type, attempt and outcome, and still keeps the day meter', async () => {
        const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
        const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
        const provider = new MeterProvider({ readers: [reader] });
        const inner = new MemoryCallMeter();
        const meter = emittingCallMeter(inner, new OtelMetricsSink(provider.getMeter('test')));
        await meter.record({ day: '2026-11-10', type: 'receipt', attempt: 'first', outcome: 'ok' });
        await meter.record({ day: '2026-11-10', type: 'receipt', attempt: 'retry', outcome: 'transient' });
        await meter.record({ day: '2026-11-10', type: 'receipt', attempt: 'retry', outcome: 'transient' });
        await reader.forceFlush();
        const points = exporter
            .getMetrics()
            .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
            .filter((m) => m.descriptor.name === 'erp.calls')
            .flatMap((m) => m.dataPoints.map((p) => [p.attributes.attempt, p.attributes.outcome, p.value]));
        expect(points).toEqual([
            ['first', 'ok', 1],
            ['retry', 'transient', 2],
        ]);
        expect((await inner.read('2026-11-10')).retries).toBe(2);
        await provider.shutdown();
    });
});
