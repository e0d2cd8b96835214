import { DefaultAzureCredential } from '@azure/identity';
import { type AzureMonitorOpenTelemetryOptions, useAzureMonitor } from '@azure/monitor-opentelemetry';

/**
 * Application Insights through Microsoft's OpenTelemetry distro (@azure/monitor-opentelemetry). Off when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is not set (locally, in tests): the OpenTelemetry API is then a no-op.
 */
export interface AzureMonitorStart {
    connectionString: string;
    /** The user-assigned managed identity that authenticates ingestion (App Insights accepts only Entra ID). */
    managedIdentityClientId?: string;
    options: Pick<
        AzureMonitorOpenTelemetryOptions,
        'samplingRatio' | 'tracesPerSecond' | 'enableLiveMetrics' | 'instrumentationOptions'
    >;
}

export function azureMonitorOptions(env: Record<string, string | undefined>): AzureMonitorStart | undefined {
    const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
    if (!connectionString) return undefined;
    const clientId = env.AZURE_CLIENT_ID?.trim();
    return {
        connectionString,
        ...(clientId ? { managedIdentityClientId: clientId } : {}),
        options: {
            // Every trace: the distro's default caps at 5 traces/s, which would drop most of a launch spike, and a
            // transaction's one trace is what an operator follows from Dataverse to the ERP.
            samplingRatio: 1,
            tracesPerSecond: 0,
            enableLiveMetrics: true,
            // Azure SDK calls (Service Bus, Tables, Blobs) and node:http; our own spans cover the fetch-based clients.
            instrumentationOptions: { azureSdk: { enabled: true }, http: { enabled: true } },
        },
    };
}

/**
 * Starts the export when configured; true if it did. Must run before the Azure SDKs and node:http are loaded, so
 * their instrumentation sees every call (functions/index.ts calls it first). Ingestion signs in with the managed
 * identity.
 */
export function startAzureMonitor(env: Record<string, string | undefined>): boolean {
    const monitor = azureMonitorOptions(env);
    if (!monitor) return false;
    useAzureMonitor({
        ...monitor.options,
        azureMonitorExporterOptions: {
            connectionString: monitor.connectionString,
            credential: new DefaultAzureCredential(
                monitor.managedIdentityClientId ? { managedIdentityClientId: monitor.managedIdentityClientId } : {},
            ),
        },
    });
    return true;
}
