import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusSessionQueue } from '../src/adapters/azure/serviceBusSessionQueue';
import { TableCallMeter } from '../src/adapters/azure/tableCallMeter';
import { TableConditionStore } from '../src/adapters/azure/tableConditionStore';
import { TableMappingLookup } from '../src/adapters/azure/tableMappingLookup';
import { TableSessionGateStore } from '../src/adapters/azure/tableSessionGateStore';
import { TableTransactionStore } from '../src/adapters/azure/tableTransactionStore';
import { DataverseWebApiClient } from '../src/adapters/dataverse/dataverseWebApiClient';
import { ErpHttpClient } from '../src/adapters/erp-http/erpHttpClient';
import { GraphNotifier } from '../src/adapters/graph/graphNotifier';
import { loadSettings, type Settings } from '../src/config/settings';
import { CircuitBreaker } from '../src/core/circuitBreaker';
import { RelatedRecords } from '../src/core/relatedRecords';
import { systemClock } from '../src/ports/clock';
import { loadConfigFiles } from './configFiles';
import type { Services, ServicesProvider } from './services';

/**
 * The Azure composition root. Settings and configuration files are validated synchronously when the worker loads
 * (a bad one stops start-up with its name); clients are created once per worker on first use and reused.
 * Every Azure call authenticates with the managed identity through @azure/identity; no keys or connection strings.
 */
export function createAzureServicesProvider(env: Record<string, string | undefined>): {
    settings: Settings;
    services: ServicesProvider;
} {
    const settings = loadSettings(env);
    const config = loadConfigFiles(settings);
    let built: Promise<Services> | undefined;
    const services: ServicesProvider = () => {
        built ??= buildServices(settings, config).catch((e: unknown) => {
            built = undefined; // let the next invocation try again (e.g. a table not reachable for a moment)
            throw e;
        });
        return built;
    };
    return { settings, services };
}

async function buildServices(settings: Settings, config: ReturnType<typeof loadConfigFiles>): Promise<Services> {
    const credential = new DefaultAzureCredential(
        settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {},
    );
    const tokenFor = (scope: string) => async () => {
        const token = await credential.getToken(scope);
        if (!token) throw new Error(`no token for ${scope}`);
        return token.token;
    };
    const tables = { endpoint: settings.STORAGE_TABLE_ENDPOINT, credential };
    const [store, lookup, gates, conditions, meter] = await Promise.all([
        TableTransactionStore.create(tables),
        TableMappingLookup.create(tables),
        TableSessionGateStore.create(tables),
        TableConditionStore.create(tables),
        TableCallMeter.create(tables),
    ]);
    const crm = new DataverseWebApiClient({
        orgUrl: settings.DATAVERSE_URL,
        getToken: tokenFor(`${new URL(settings.DATAVERSE_URL).origin}/.default`),
        integrationOwnedFields: Object.fromEntries(
            Object.keys(config.entityMap.entities).map((e) => [e, config.entityMap.integrationOwnedColumns]),
        ),
        timeoutMs: settings.DATAVERSE_TIMEOUT_MS,
    });
    return {
        settings,
        queue: new ServiceBusSessionQueue(
            { fullyQualifiedNamespace: settings.ServiceBusConnection__fullyQualifiedNamespace, credential },
            settings.TRANSACTIONS_QUEUE_NAME,
        ),
        store,
        lookup,
        related: new RelatedRecords(config.entityMap, lookup, crm),
        erp: new ErpHttpClient({
            baseUrl: settings.ERP_BASE_URL,
            getToken: tokenFor(settings.ERP_SCOPE),
            timeoutMs: settings.ERP_TIMEOUT_MS,
            classifier: config.classifier,
        }),
        crm,
        notifier: new GraphNotifier({
            baseUrl: settings.GRAPH_BASE_URL,
            sharedMailbox: settings.GRAPH_SHARED_MAILBOX,
            getToken: tokenFor('https://graph.microsoft.com/.default'),
        }),
        gates,
        conditions,
        meter,
        breaker: new CircuitBreaker(config.retryPolicy.breaker),
        retryPolicy: config.retryPolicy,
        random: Math.random,
        entityMap: config.entityMap,
        erpMap: config.erpMap,
        clock: systemClock,
    };
}
