import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * The OpenTelemetry SDK with in-memory exporters, registered globally as Azure Monitor's distro registers it in
 * Azure (W3C propagator, async-hooks context). sdk-metrics is a devDependency; sdk-trace-base and sdk-trace-node are
 * present through @azure/monitor-opentelemetry's own dependencies (the versions it exports with).
 */
export function installTestTelemetry(): {
    spans: () => ReadableSpan[];
    reset: () => void;
    meterProvider: MeterProvider;
    collect: () => Promise<ResourceMetrics>;
} {
    const exporter = new InMemorySpanExporter();
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
    const reader = new CollectingReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(meterProvider);
    return {
        spans: () => exporter.getFinishedSpans(),
        reset: () => exporter.reset(),
        meterProvider,
        collect: async () => (await reader.collect()).resourceMetrics,
    };
}

class CollectingReader extends MetricReader {
    protected async onShutdown(): Promise<void> {}
    protected async onForceFlush(): Promise<void> {}
}

/** Every data point of one metric, as [attributes, value] (sums and gauges) or [attributes, count, sum] (histograms). */
export function points(
    resource: ResourceMetrics,
    name: string,
): { attributes: Record<string, unknown>; value: unknown }[] {
    const metric = resource.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
}

/** Every attribute value of every span, as text: what the telemetry would carry out of the process. */
export function attributeText(spans: ReadableSpan[]): string {
    return JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status]));
}
