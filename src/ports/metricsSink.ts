/** Counters for Azure portal monitoring (OpenTelemetry in Azure; a no-op until an exporter is registered). */
export interface MetricsSink {
    add(name: string, value: number, attributes: Record<string, string>): void;
}

export const noMetrics: MetricsSink = { add: () => {} };
