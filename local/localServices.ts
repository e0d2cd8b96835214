import { loadConfigFiles } from '../functions/configFiles';
import type { Services } from '../functions/services';
import { TableCallMeter } from '../src/adapters/azure/tableCallMeter';
import { TableConditionStore } from '../src/adapters/azure/tableConditionStore';
import { TableMappingLookup } from '../src/adapters/azure/tableMappingLookup';
import { TableSessionGateStore } from '../src/adapters/azure/tableSessionGateStore';
import { TableTransactionStore } from '../src/adapters/azure/tableTransactionStore';
import { DataverseWebApiClient } from '../src/adapters/dataverse/dataverseWebApiClient';
import type { EmbeddedSessionQueue } from '../src/adapters/embedded/embeddedSessionQueue';
import { ErpHttpClient } from '../src/adapters/erp-http/erpHttpClient';
import { GraphNotifier } from '../src/adapters/graph/graphNotifier';
import { CircuitBreaker } from '../src/core/circuitBreaker';
import { RelatedRecords } from '../src/core/relatedRecords';
import { systemClock } from '../src/ports/clock';
import type { LocalSettings } from './localSettings';

/**
 * The local composition: the same adapters as Azure where a local twin of the service exists (Table Storage on
 * Azurite, HTTP clients against the sandboxes), and the embedded queue in place of Service Bus. The sandboxes
 * accept any bearer token, so a fixed development token stands in for Entra ID.
 */
export async function buildLocalServices(options: {
    settings: LocalSettings;
    tableConnectionString: string;
    queue: EmbeddedSessionQueue;
    erpUrl: string;
    dataverseUrl: string;
    graphUrl: string;
}): Promise<Services> {
    const { settings } = options;
    const config = loadConfigFiles(settings);
    const getToken = async () => 'local-development-token';
    const tables = { connectionString: options.tableConnectionString };
    const [store, lookup, gates, conditions, meter] = await Promise.all([
        TableTransactionStore.create(tables),
        TableMappingLookup.create(tables),
        TableSessionGateStore.create(tables),
        TableConditionStore.create(tables),
        TableCallMeter.create(tables),
    ]);
    const crm = new DataverseWebApiClient({
        orgUrl: options.dataverseUrl,
        getToken,
        integrationOwnedFields: Object.fromEntries(
            Object.keys(config.entityMap.entities).map((e) => [e, config.entityMap.integrationOwnedColumns]),
        ),
        timeoutMs: 15_000,
    });
    return {
        settings: {
            INTAKE_AUTH_MODE: 'functionKey',
            WEBHOOK_HEADER_NAME: 'x-webhook-key',
            MAX_DELIVERY_COUNT: settings.MAX_DELIVERY_COUNT,
            TRANSACTIONS_QUEUE_NAME: 'crm-transactions',
        },
        queue: options.queue,
        store,
        lookup,
        related: new RelatedRecords(config.entityMap, lookup, crm),
        erp: new ErpHttpClient({ baseUrl: options.erpUrl, getToken, timeoutMs: 15_000, classifier: config.classifier }),
        crm,
        notifier: new GraphNotifier({
            baseUrl: options.graphUrl,
            sharedMailbox: settings.GRAPH_SHARED_MAILBOX,
            getToken,
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
