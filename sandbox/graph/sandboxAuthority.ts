import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { sendJson } from './graphHttp';
import { entraError, type TokenSigner } from './sandboxTokens';

/** The audience of a managed identity's token used as a federated credential (Entra's fixed value). */
export const tokenExchangeAudience = 'api://AzureADTokenExchange';
export const graphAudience = 'https://graph.microsoft.com';

/** The directory the sandbox stands in for: one tenant, the app's managed identity and the Teams app registration. */
export interface SandboxDirectory {
    tenantId: string;
    /** The function app's user-assigned managed identity. */
    managedIdentity: { clientId: string; principalId: string };
    /** The Teams app's Entra registration and its one federated identity credential (trusting the managed identity). */
    teamsApp: { clientId: string; federatedCredential: { issuer: string; subject: string; audience: string } };
}

/** The issuer Entra writes into a managed identity's token for the tenant, which the federated credential names. */
export function entraIssuer(tenantId: string): string {
    return `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

/**
 * Entra ID's token endpoint for the client-credentials grant with a client assertion, on HTTPS (MSAL refuses an
 * authority that is not https, so the real @azure/identity ClientAssertionCredential can be pointed at it with
 * `authorityHost`). The certificate is self-signed for 127.0.0.1 and generated at start; callers trust `ca`.
 * The assertion must be a token of this sandbox matching the app's federated credential (issuer, subject,
 * audience), as Entra checks it; the access token issued is for Graph with `appid` = the Teams app.
 */
export async function startSandboxAuthority(options: {
    host: string;
    port?: number;
    directory: SandboxDirectory;
    signer: TokenSigner;
    now: () => Date;
}): Promise<{ url: string; ca: string; close(): Promise<void> }> {
    const pems = await generate([{ name: 'commonName', value: options.host }], {
        keyType: 'ec',
        algorithm: 'sha256',
        extensions: [
            { name: 'basicConstraints', cA: false },
            { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
            { name: 'extKeyUsage', serverAuth: true },
            { name: 'subjectAltName', altNames: [{ type: 7, ip: options.host }] },
        ],
    });
    const server: Server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
        handle(req, res, options, `https://${req.headers.host}`).catch((e: unknown) => {
            sendJson(res, 500, { error: 'server_error', error_description: String(e) });
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, options.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `https://${options.host}:${port}`,
        ca: pems.cert,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

type Options = Parameters<typeof startSandboxAuthority>[0];

async function handle(req: IncomingMessage, res: ServerResponse, o: Options, origin: string): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const [tenant, ...rest] = url.pathname.split('/').slice(1);
    const path = rest.join('/');
    const now = o.now();
    if (tenant !== o.directory.tenantId) {
        const text = `Tenant '${tenant ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`;
        return sendJson(res, 400, entraError('invalid_request', 90002, text, now));
    }
    if (req.method === 'GET' && path === 'v2.0/.well-known/openid-configuration') {
        const base = `${origin}/${tenant}`;
        return sendJson(res, 200, {
            token_endpoint: `${base}/oauth2/v2.0/token`,
            authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${base}/oauth2/v2.0/logout`,
            jwks_uri: `${base}/discovery/v2.0/keys`,
            issuer: entraIssuer(tenant),
            token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
            response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        });
    }
    if (req.method !== 'POST' || path !== 'oauth2/v2.0/token') {
        return sendJson(res, 404, entraError('invalid_request', 900561, `No endpoint ${req.method} ${path}.`, now));
    }
    const form = new URLSearchParams(await readText(req));
    const refused = (error: string, code: number, text: string) =>
        sendJson(res, 400, entraError(error, code, text, now));
    if (form.get('grant_type') !== 'client_credentials') {
        return refused('unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = form.get('client_id') ?? '';
    const app = o.directory.teamsApp;
    if (clientId !== app.clientId) {
        return refused(
            'unauthorized_client',
            700016,
            `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
        );
    }
    const assertion = form.get('client_assertion');
    if (!assertion || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return refused(
            'invalid_request',
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    }
    const verified = o.signer.verify(assertion);
    if (!verified.ok) {
        return verified.reason === 'expired'
            ? refused('invalid_client', 700024, 'Client assertion is not within its valid time range.')
            : refused('invalid_client', 50027, 'JWT token is invalid or malformed.');
    }
    const { iss, sub, aud } = verified.claims;
    const fic = app.federatedCredential;
    if (iss !== fic.issuer || sub !== fic.subject || aud !== fic.audience) {
        return refused(
            'invalid_client',
            70021,
            `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${aud}'.`,
        );
    }
    const scope = form.get('scope') ?? '';
    if (scope.split(' ').sort().join(' ') !== `${graphAudience}/.default`) {
        return refused(
            'invalid_scope',
            1002012,
            `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
    }
    const { token, expiresOn } = o.signer.issue({
        aud: graphAudience,
        iss: `https://sts.windows.net/${tenant}/`,
        sub: app.clientId,
        oid: app.clientId,
        appid: app.clientId,
        tid: tenant,
        // Resource-specific consent is not in the token: Graph looks up the app's installation in the team.
        roles: [],
    });
    const expiresIn = expiresOn - Math.floor(now.getTime() / 1000);
    return sendJson(res, 200, {
        token_type: 'Bearer',
        expires_in: expiresIn,
        ext_expires_in: expiresIn,
        access_token: token,
    });
}

async function readText(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
}
