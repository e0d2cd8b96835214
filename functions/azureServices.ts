import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusSessionQueue } from '../src/adapters/azure/serviceBusSessionQueue';
import { accessToken, graphScope, teamsAppCredential } from '../src/adapters/graph/teamsAppCredential';
import { backupBlobEndpoint, loadSettings, type Settings, sweepOptions } from '../src/config/settings';
import { GraphRequestError } from '../src/ports/graphErrors';
import { assembleServices } from './assembleServices';
import { type LoadedConfig, loadConfigFiles } from './configFiles';
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

/**
 * Channel messages as the Teams app: its registration reached from the managed identity through the registration's
 * federated identity credential (no client secret). Without the registration's settings every post is refused
 * with a code that says so, so the owner's mail fallback and the alert still happen.
 */
export function channelToken(settings: Settings, managedIdentity: DefaultAzureCredential): () => Promise<string> {
    const { TEAMS_APP_CLIENT_ID: clientId, TEAMS_APP_TENANT_ID: tenantId } = settings;
    if (!clientId || !tenantId) {
        return async () => {
            throw new GraphRequestError(
                'TEAMS_APP_CLIENT_ID and TEAMS_APP_TENANT_ID are not set: channel messages are posted as the Teams app registration (infra/app/teamsApp.bicep)',
                401,
                'TeamsAppNotConfigured',
            );
        };
    }
    const teamsApp = teamsAppCredential({ tenantId, clientId, managedIdentity });
    return () => accessToken(teamsApp, graphScope);
}

async function buildServices(settings: Settings, config: LoadedConfig): Promise<Services> {
    const credential = new DefaultAzureCredential(
        settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {},
    );
    const tokenFor = (scope: string) => () => accessToken(credential, scope);
    return assembleServices({
        settings,
        config,
        tables: { endpoint: settings.STORAGE_TABLE_ENDPOINT, credential },
        queue: new ServiceBusSessionQueue(
            { fullyQualifiedNamespace: settings.ServiceBusConnection__fullyQualifiedNamespace, credential },
            settings.TRANSACTIONS_QUEUE_NAME,
        ),
        dataverse: {
            url: settings.DATAVERSE_URL,
            getToken: tokenFor(`${new URL(settings.DATAVERSE_URL).origin}/.default`),
            timeoutMs: settings.DATAVERSE_TIMEOUT_MS,
        },
        erp: { url: settings.ERP_BASE_URL, getToken: tokenFor(settings.ERP_SCOPE), timeoutMs: settings.ERP_TIMEOUT_MS },
        graph: {
            url: settings.GRAPH_BASE_URL,
            sharedMailbox: settings.GRAPH_SHARED_MAILBOX,
            getToken: tokenFor(graphScope),
            getChannelToken: channelToken(settings, credential),
        },
        backup: {
            blobs: { endpoint: backupBlobEndpoint(settings), credential },
            container: settings.BACKUP_CONTAINER,
            options: {
                pageSize: settings.BACKUP_PAGE_SIZE,
                maxPageAttempts: 5,
                // Without a list, the shared mailbox the integration sends from hears of a failed backup.
                alertTo:
                    settings.BACKUP_ALERT_TO.length > 0 ? settings.BACKUP_ALERT_TO : [settings.GRAPH_SHARED_MAILBOX],
            },
        },
        sweep: sweepOptions(settings),
    });
}
