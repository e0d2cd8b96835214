import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusSessionQueue } from '../src/adapters/azure/serviceBusSessionQueue';
import { backupBlobEndpoint, loadSettings, type Settings } from '../src/config/settings';
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

async function buildServices(settings: Settings, config: LoadedConfig): Promise<Services> {
    const credential = new DefaultAzureCredential(
        settings.AZURE_CLIENT_ID ? { managedIdentityClientId: settings.AZURE_CLIENT_ID } : {},
    );
    const tokenFor = (scope: string) => async () => {
        const token = await credential.getToken(scope);
        if (!token) throw new Error(`no token for ${scope}`);
        return token.token;
    };
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
            getToken: tokenFor('https://graph.microsoft.com/.default'),
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
    });
}
