import type { AccessToken, TokenCredential } from '@azure/identity';
import type { SandboxGraph } from '../sandbox/graph/sandboxGraphServer';
import { accessToken, graphScope, teamsAppCredential } from '../src/adapters/graph/teamsAppCredential';

/**
 * The local stand-in for the function app's managed identity: tokens from the Graph sandbox's identity endpoint,
 * asked for the way a managed identity is (`?resource=<uri>`, the scope without `/.default`).
 */
export class SandboxManagedIdentityCredential implements TokenCredential {
    constructor(private readonly endpoint: string) {}

    async getToken(scopes: string | string[]): Promise<AccessToken> {
        const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
        const url = new URL(this.endpoint);
        url.searchParams.set('resource', scope.replace(/\/\.default$/, ''));
        const res = await fetch(url);
        const body = (await res.json()) as { access_token?: string; expires_on?: string; message?: string };
        if (!res.ok || !body.access_token) {
            throw new Error(`managed identity endpoint answered ${res.status}: ${body.message ?? 'no token'}`);
        }
        return { token: body.access_token, expiresOnTimestamp: Number(body.expires_on) * 1000, tokenType: 'Bearer' };
    }
}

/**
 * The two Graph identities of the app against the sandbox, obtained the way Azure obtains them: mail as the
 * managed identity; channel messages as the Teams app through the real ClientAssertionCredential (the managed
 * identity's token as assertion) pointed at the sandbox's Entra authority.
 */
export function sandboxGraphTokens(
    graph: Pick<SandboxGraph, 'managedIdentityEndpoint' | 'authorityHost' | 'authorityCa' | 'directory'>,
): {
    managedIdentity: TokenCredential;
    getToken: () => Promise<string>;
    getChannelToken: () => Promise<string>;
} {
    const managedIdentity = new SandboxManagedIdentityCredential(graph.managedIdentityEndpoint);
    const teamsApp = teamsAppCredential({
        tenantId: graph.directory.tenantId,
        clientId: graph.directory.teamsApp.clientId,
        managedIdentity,
        authority: { host: graph.authorityHost, ca: graph.authorityCa },
    });
    return {
        managedIdentity,
        getToken: () => accessToken(managedIdentity, graphScope),
        getChannelToken: () => accessToken(teamsApp, graphScope),
    };
}
