import type { Counter, Meter } from '@opentelemetry/api';
import type { MetricsSink } from '../../ports/metricsSink';

/**
 * Counters through the OpenTelemetry API. Vendor-neutral on purpose: the Azure Monitor exporter
 * (`@azure/monitor-opentelemetry`, Application Insights) registers the SDK behind it; until then the API is a no-op.
 */
export class OtelMetricsSink implements MetricsSink {
    readonly #counters = new Map<string, Counter>();

    constructor(private readonly meter: Meter) {}

    add(name: string, value: number, attributes: Record<string, string>): void {
        let counter = this.#counters.get(name);
        if (!counter) {
            counter = this.meter.createCounter(name);
            this.#counters.set(name, counter);
        }
        counter.add(value, attributes);
    }
}
