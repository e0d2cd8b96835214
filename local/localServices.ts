import { assembleServices } from '../functions/assembleServices';
import { loadConfigFiles } from '../functions/configFiles';
import type { Services } from '../functions/services';
import type { SandboxGraph } from '../sandbox/graph/sandboxGraphServer';
import type { EmbeddedSessionQueue } from '../src/adapters/embedded/embeddedSessionQueue';
import { sweepOptions } from '../src/config/settings';
import type { Logger } from '../src/ports/logger';
import type { LocalSettings } from './localSettings';
import { sandboxGraphTokens } from './sandboxIdentity';

/**
 * The local composition: the same adapters as Azure where a local twin of the service exists (Table Storage on
 * Azurite, HTTP clients against the sandboxes), and the embedded queue in place of Service Bus. The ERP and
 * Dataverse sandboxes accept any bearer token, so a fixed development token stands in for Entra ID there; Graph
 * checks identities as Graph does, so its tokens come the Azure way (sandboxIdentity.ts): mail as the managed
 * identity, channel messages as the Teams app through the real ClientAssertionCredential.
 */
export async function buildLocalServices(options: {
    settings: LocalSettings;
    tableConnectionString: string;
    queue: EmbeddedSessionQueue;
    erpUrl: string;
    dataverseUrl: string;
    graph: SandboxGraph;
    /** Where background trouble (the fleet's shared ERP state) is reported; the console otherwise. */
    logger?: Logger;
}): Promise<Services> {
    const { settings, graph } = options;
    const graphUrl = `${graph.url}/`;
    const getToken = async () => 'local-development-token';
    const { getToken: getGraphToken, getChannelToken } = sandboxGraphTokens(graph);
    return assembleServices({
        settings: {
            INTAKE_AUTH_MODE: 'functionKey',
            WEBHOOK_HEADER_NAME: 'x-webhook-key',
            MAX_DELIVERY_COUNT: settings.MAX_DELIVERY_COUNT,
            TRANSACTIONS_QUEUE_NAME: 'crm-transactions',
            // Loopback only: the console needs no sign-in locally, and shows what the Graph sandbox received.
            CONSOLE_AUTH: 'none',
            CONSOLE_SANDBOX_URL: graphUrl,
            // The reconciliation summary goes to the Graph sandbox's channel locally.
            RECONCILIATION_CHANNEL: settings.RECONCILIATION_CHANNEL,
            RECOGNITION_RULE_PATH: settings.RECOGNITION_RULE_PATH,
        },
        config: loadConfigFiles(settings),
        tables: { connectionString: options.tableConnectionString },
        queue: options.queue,
        dataverse: { url: options.dataverseUrl, getToken, timeoutMs: 15_000 },
        erp: { url: options.erpUrl, getToken, timeoutMs: 15_000 },
        graph: {
            url: graphUrl,
            sharedMailbox: settings.GRAPH_SHARED_MAILBOX,
            getToken: getGraphToken,
            getChannelToken,
        },
        // Azurite's development connection string names its Blob endpoint too: backups go to Azurite's Blob service.
        backup: {
            blobs: { connectionString: options.tableConnectionString },
            container: 'crm-backups',
            options: { pageSize: settings.BACKUP_PAGE_SIZE, maxPageAttempts: 5, alertTo: [settings.BACKUP_ALERT_TO] },
        },
        sweep: sweepOptions(settings),
        allowLoopbackCallbacks: true,
        ...(options.logger ? { logger: options.logger } : {}),
    });
}
