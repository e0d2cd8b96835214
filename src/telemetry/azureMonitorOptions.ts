/**
 * What functions/index.ts hands to `useAzureMonitor` (@azure/monitor-opentelemetry, Application Insights), or
 * undefined when APPLICATIONINSIGHTS_CONNECTION_STRING is not set: telemetry is then off (locally, in tests).
 * Kept here, Azure-free, so it is tested; the SDK call stays in the entry point.
 */
export interface AzureMonitorStart {
    connectionString: string;
    /** The user-assigned managed identity that authenticates ingestion (App Insights accepts only Entra ID). */
    managedIdentityClientId?: string;
    options: {
        samplingRatio: number;
        tracesPerSecond: number;
        enableLiveMetrics: boolean;
        instrumentationOptions: { azureSdk: { enabled: boolean }; http: { enabled: boolean } };
    };
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
