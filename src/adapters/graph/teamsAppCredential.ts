import {
    ClientAssertionCredential,
    type ClientAssertionCredentialOptions,
    type TokenCredential,
} from '@azure/identity';

type PolicyConfig = NonNullable<ClientAssertionCredentialOptions['additionalPolicies']>[number];

/** The scope of a managed identity token presented as a federated credential (Entra's fixed audience). */
export const tokenExchangeScope = 'api://AzureADTokenExchange/.default';
export const graphScope = 'https://graph.microsoft.com/.default';

export interface TeamsAppCredentialOptions {
    tenantId: string;
    /** The Teams app's Entra registration (its manifest's `webApplicationInfo.id`). */
    clientId: string;
    /** The function app's managed identity: its token is the assertion the registration's federated credential trusts. */
    managedIdentity: TokenCredential;
    /** Another Entra authority (the Graph sandbox locally); default the public cloud. */
    authority?: {
        host: string /** PEM certificate to trust for that host only (a self-signed local one). */;
        ca?: string;
    };
}

/**
 * The Teams app's identity without a secret: @azure/identity's ClientAssertionCredential for the app registration,
 * whose client assertion is the managed identity's token for `api://AzureADTokenExchange` (the registration has a
 * federated identity credential with issuer = the tenant, subject = the identity's principal id). Graph then sees
 * the Teams app, which resource-specific consent lets post in the teams it is installed in.
 */
export function teamsAppCredential(options: TeamsAppCredentialOptions): TokenCredential {
    const { authority } = options;
    const getAssertion = () => accessToken(options.managedIdentity, tokenExchangeScope);
    return new ClientAssertionCredential(options.tenantId, options.clientId, getAssertion, {
        ...(authority
            ? {
                  authorityHost: authority.host,
                  // Instance discovery asks the public cloud about the authority: there is none locally.
                  disableInstanceDiscovery: true,
                  ...(authority.ca ? { additionalPolicies: [trustCaFor(authority.host, authority.ca)] } : {}),
              }
            : {}),
    });
}

/** A bearer token for the scope, or an error saying which scope had none. */
export async function accessToken(credential: TokenCredential, scope: string): Promise<string> {
    const token = await credential.getToken(scope);
    if (!token) throw new Error(`no token for ${scope}`);
    return token.token;
}

/** Trust `ca` for requests to `host` only, leaving every other TLS check as it is. */
function trustCaFor(host: string, ca: string): PolicyConfig {
    const origin = new URL(host).origin;
    return {
        position: 'perCall',
        policy: {
            name: 'trustAuthorityCa',
            sendRequest: (request, next) => {
                if (new URL(request.url).origin === origin) request.tlsSettings = { ...request.tlsSettings, ca };
                return next(request);
            },
        },
    };
}
