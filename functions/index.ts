import { startAzureMonitor } from '../src/adapters/azure/azureMonitor';

// Telemetry first, before the Azure SDKs and node:http are loaded below, so their instrumentation sees every call.
// Off without APPLICATIONINSIGHTS_CONNECTION_STRING; ingestion authenticates with the managed identity (Entra ID).
startAzureMonitor(process.env);

import { app } from '@azure/functions';
import { createAzureServicesProvider } from './azureServices';
import { buildRegistrations } from './registrations';

// The only file that touches `app`: it registers the same list the local host serves (local/localHost.ts).
app.setup({ enableHttpStream: false });

const { settings, services } = createAzureServicesProvider(process.env);

for (const registration of buildRegistrations(services, settings.INTAKE_AUTH_MODE)) {
    if (registration.kind === 'http') {
        app.http(registration.name, {
            route: registration.route,
            methods: registration.methods,
            authLevel: registration.authLevel,
            handler: registration.handler,
        });
    } else if (registration.kind === 'timer') {
        app.timer(registration.name, { schedule: `%${registration.scheduleSetting}%`, handler: registration.handler });
    } else {
        app.serviceBusQueue(registration.name, {
            connection: registration.connection,
            queueName: `%${registration.queueNameSetting}%`,
            isSessionsEnabled: true,
            handler: registration.handler,
        });
    }
}
