import type { TokenCredential } from '@azure/identity';
import { DefaultAzureCredential } from '@azure/identity';
import { createAzureServicesProvider } from '../../functions/azureServices';
import { ServiceBusSessionQueue } from '../../src/adapters/azure/serviceBusSessionQueue';
import { CONTRACT_PATH, loadContract } from '../../src/contract/loadContract';
import { diffOpenApi } from '../../src/contract/openapiDiff';
import type { TestCardOutcome } from '../../src/notifications/teamsTestCard';
import type { EnvironmentConfig } from '../../src/smoke/environmentConfig';
import { integrationChecks } from '../../src/smoke/integrationChecks';
import { runSmokeChecks, type SmokeResult } from '../../src/smoke/smokeCheck';

/** The environment cannot be tried at all (no credential): one clear message instead of eight failures. */
export class SmokeUnreachableError extends Error {
    readonly code = 'SMOKE_NO_CREDENTIAL';
    constructor(message: string) {
        super(message);
        this.name = 'SmokeUnreachableError';
    }
}

/**
 * A configured Azure environment, through the app's own composition (functions/azureServices.ts): the same
 * adapters and DefaultAzureCredential, as the signed-in developer or pipeline identity, which needs the data roles
 * docs/deployment.md lists (azd gives them to the deploying developer).
 */
export async function smokeAzure(
    name: string,
    config: EnvironmentConfig,
    options: {
        timeoutMs: number;
        credential?: TokenCredential;
        /** The channel of the test card: a contact of the owner registry or `<teamId>/<channelId>`. */
        channel?: string;
        /**
         * An Entra ID access token for the app's registration of a user with Console.Act (SMOKE_TOKEN): the test card
         * is posted by the app itself, behind the operator roles like every operator API.
         */
        token?: string;
    },
): Promise<SmokeResult[]> {
    const credential =
        options.credential ??
        new DefaultAzureCredential(
            config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {},
        );
    try {
        await credential.getToken('https://storage.azure.com/.default');
    } catch (e) {
        const said = (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 3).join(' / ');
        throw new SmokeUnreachableError(
            `environment '${name}': no Azure credential. Sign in with \`az login\` or \`azd auth login\` (or run where a managed identity is assigned), then run again. DefaultAzureCredential: ${said}`,
        );
    }
    const { services } = createAzureServicesProvider({
        ServiceBusConnection__fullyQualifiedNamespace: config.serviceBus.fullyQualifiedNamespace,
        TRANSACTIONS_QUEUE_NAME: config.serviceBus.queueName,
        STORAGE_TABLE_ENDPOINT: config.tables.endpoint,
        ERP_BASE_URL: config.erp.baseUrl,
        ERP_SCOPE: config.erp.scope,
        DATAVERSE_URL: config.dataverse.url,
        GRAPH_BASE_URL: config.graph.baseUrl,
        GRAPH_SHARED_MAILBOX: config.graph.sharedMailbox,
        AZURE_CLIENT_ID: config.managedIdentityClientId,
    });
    const built = await services();
    const queue = new ServiceBusSessionQueue(
        { fullyQualifiedNamespace: config.serviceBus.fullyQualifiedNamespace, credential },
        config.serviceBus.queueName,
    );
    const openApiUrl = config.erp.openApiUrl;
    const functionAppUrl = config.functionAppUrl;
    try {
        return await runSmokeChecks(
            integrationChecks({
                crm: built.crm,
                ...(config.dataverse.smokeRecord ? { smokeRecord: config.dataverse.smokeRecord } : {}),
                erp: built.erp,
                ...(openApiUrl
                    ? {
                          contractChanges: async () =>
                              diffOpenApi(await loadContract(CONTRACT_PATH), await loadContract(openApiUrl)),
                      }
                    : {}),
                notifier: built.notifier,
                sharedMailbox: config.graph.sharedMailbox,
                teams: teamsThroughApp(functionAppUrl, options.token, options.channel ?? 'integration'),
                queue,
                store: built.store,
                ...(functionAppUrl
                    ? { health: async () => (await fetch(new URL('api/health', functionAppUrl))).status }
                    : {}),
                now: () => new Date(),
                random: Math.random,
            }),
            { timeoutMs: options.timeoutMs },
        );
    } finally {
        await queue.close().catch(() => undefined);
    }
}

/**
 * The test card is posted by the function app (POST /api/teams/test-card): only its managed identity is trusted by
 * the Teams app registration's federated credential, so a developer's own sign-in cannot act as the Teams app.
 */
export function teamsThroughApp(
    functionAppUrl: string | undefined,
    token: string | undefined,
    channel: string,
): { channel: string; post: () => Promise<TestCardOutcome> } | { channel: string; unavailable: string } {
    if (!functionAppUrl) {
        return {
            channel,
            unavailable: 'this environment names no functionAppUrl: the function app posts the test card',
        };
    }
    if (!token) {
        return {
            channel,
            unavailable:
                'set SMOKE_TOKEN to an Entra ID token of a user with Console.Act (az account get-access-token --resource api://<CONSOLE_APP_CLIENT_ID> --query accessToken -o tsv): the app posts the test card as the Teams app, which only its managed identity can act as',
        };
    }
    return {
        channel,
        post: async () => {
            const res = await fetch(new URL('api/teams/test-card', functionAppUrl), {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({ channel }),
            });
            const body = (await res.json().catch(() => ({}))) as Record<string, unknown> & {
                error?: Record<string, unknown>;
            };
            if (res.status === 201) {
                return {
                    ok: true,
                    channel: { teamId: String(body.teamId), channelId: String(body.channelId) },
                    messageId: String(body.messageId),
                };
            }
            const e = body.error ?? {};
            if (res.status !== 502)
                throw new Error(`POST api/teams/test-card answered ${res.status}: ${String(e.message ?? '')}`);
            return {
                ok: false,
                channel: { teamId: String(e.teamId), channelId: String(e.channelId) },
                status: typeof e.graphStatus === 'number' ? e.graphStatus : undefined,
                graphCode: typeof e.graphCode === 'string' ? e.graphCode : undefined,
                message: String(e.message ?? ''),
                hint: String(e.hint ?? ''),
            };
        },
    };
}
