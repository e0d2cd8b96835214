import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../seededRandom';
import { graphError, readJson, sendJson } from './graphHttp';
import { type ChannelMessageShape, checkChannelMessage, checkSendMail, type MailShape } from './graphShapes';
import {
    entraIssuer,
    graphAudience,
    type SandboxDirectory,
    startSandboxAuthority,
    tokenExchangeAudience,
} from './sandboxAuthority';
import { type TokenClaims, TokenSigner } from './sandboxTokens';

/** A mail the sandbox accepted (`POST /v1.0/users/{mailbox}/sendMail`); `request` is the body exactly as sent. */
export interface SentMail extends MailShape {
    mailbox: string;
    request: unknown;
    receivedAt: string;
}

/** A channel message the sandbox created (`POST /v1.0/teams/{team}/channels/{channel}/messages`). */
export interface ChannelPost extends ChannelMessageShape {
    id: string;
    teamId: string;
    channelId: string;
    request: unknown;
    receivedAt: string;
}

export interface SandboxGraphFaults {
    /** Share of accepted-looking requests answered 500 instead (deterministic from the seed). */
    failureRate?: number;
    /** Every request answers 429 with `Retry-After: 2`. */
    throttle?: boolean;
    /** Every request answers 503. */
    down?: boolean;
}

export interface SandboxGraph {
    url: string;
    close(): Promise<void>;
    mailbox: SentMail[];
    channelMessages: ChannelPost[];
    /** The stand-in for login.microsoftonline.com (HTTPS): `authorityHost` of the Teams app's credential. */
    authorityHost: string;
    /** The PEM certificate of `authorityHost` (self-signed, generated at start): trust it for that host only. */
    authorityCa: string;
    directory: SandboxDirectory;
    /** The managed identity's token endpoint (as App Service's IDENTITY_ENDPOINT): `?resource=<uri>`. */
    managedIdentityEndpoint: string;
}

/** The ids the local run uses unless a test gives its own (fixed, so a local package names a stable app id). */
export const defaultDirectory: SandboxDirectory = {
    tenantId: '0b4a6c2e-5d1f-4e8a-9c3b-7f2d1e0a9b11',
    managedIdentity: {
        clientId: '5e7d9f10-2a3b-4c5d-8e9f-0a1b2c3d4e51',
        principalId: '8c1b2a39-4d5e-4f60-9a7b-c8d9e0f1a2b3',
    },
    teamsApp: {
        clientId: '2f9e8d7c-6b5a-4c3d-9e1f-0a2b3c4d5e6f',
        federatedCredential: {
            issuer: entraIssuer('0b4a6c2e-5d1f-4e8a-9c3b-7f2d1e0a9b11'),
            subject: '8c1b2a39-4d5e-4f60-9a7b-c8d9e0f1a2b3',
            audience: tokenExchangeAudience,
        },
    },
};

interface State {
    faults: SandboxGraphFaults;
    random: () => number;
    mailbox: SentMail[];
    channelMessages: ChannelPost[];
    lastMessageId: number;
    now: () => Date;
    /** Teams the app is installed in with RSC ChannelMessage.Send.Group; undefined: every team. */
    installedTeams: ReadonlySet<string> | undefined;
    signer: TokenSigner;
    directory: SandboxDirectory;
}

/**
 * The two Microsoft Graph calls the notifier makes, on node:http, with the identities Graph checks: a managed
 * identity token endpoint, an Entra token endpoint (HTTPS, sandboxAuthority.ts) that issues the Teams app's token
 * only for an assertion matching its federated credential, and Graph refusing what Graph refuses: no or a bad token
 * (401), mail without Mail.Send, a channel post whose token is not the Teams app's or to a team it is not installed
 * in (403). Also Graph's error JSON for bad bodies, throttling and outage faults, and `/sandbox/*` routes to read
 * what was received. Loopback only.
 */
export async function startSandboxGraph(
    options: {
        port?: number;
        host?: string;
        failureRate?: number;
        seed?: number;
        now?: () => Date;
        /** Channel posts to any other team are refused 403, as Graph refuses an app without RSC consent there. */
        installedTeams?: string[];
        directory?: SandboxDirectory;
    } = {},
): Promise<SandboxGraph> {
    const host = options.host ?? '127.0.0.1';
    const now = options.now ?? (() => new Date());
    const directory = options.directory ?? defaultDirectory;
    // Token lifetimes run on the real clock, as the credentials that cache them do (MSAL, the identity endpoint);
    // `now` is the business time a test may move, which would expire every cached token at once.
    const realTime = () => new Date();
    const signer = new TokenSigner(realTime);
    const authority = await startSandboxAuthority({ host, directory, signer, now: realTime });
    const state: State = {
        faults: options.failureRate === undefined ? {} : { failureRate: options.failureRate },
        random: mulberry32(options.seed ?? 1),
        mailbox: [],
        channelMessages: [],
        lastMessageId: 0,
        now,
        installedTeams: options.installedTeams ? new Set(options.installedTeams) : undefined,
        signer,
        directory,
    };
    const server = createServer((req, res) => {
        handle(req, res, state).catch((e: unknown) => {
            graphError(res, 500, 'generalException', e instanceof Error ? e.message : String(e));
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://${host}:${port}`;
    return {
        url,
        mailbox: state.mailbox,
        channelMessages: state.channelMessages,
        authorityHost: authority.url,
        authorityCa: authority.ca,
        directory,
        managedIdentityEndpoint: `${url}/sandbox/managed-identity/token`,
        close: async () => {
            await authority.close();
            await new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
        },
    };
}

type Route = { kind: 'mail'; mailbox: string } | { kind: 'channel'; teamId: string; channelId: string };

/** `users/{id}/sendMail` or `teams/{id}/channels/{id}/messages`; nothing else is served. */
function routeOf(segments: string[]): Route | undefined {
    const [resource, id, child, childId, leaf, extra] = segments;
    if (resource === 'users' && id && child === 'sendMail' && childId === undefined)
        return { kind: 'mail', mailbox: id };
    if (resource === 'teams' && id && child === 'channels' && childId && leaf === 'messages' && extra === undefined) {
        return { kind: 'channel', teamId: id, channelId: childId };
    }
    return undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: State): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const [version, ...segments] = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (version === 'sandbox') return control(req, res, segments, state);
    if (version !== 'v1.0') return graphError(res, 400, 'BadRequest', `Invalid version: ${version ?? ''}`);
    if (state.faults.down)
        return graphError(res, 503, 'serviceNotAvailable', 'The service is temporarily unavailable.');
    const caller = authenticate(req.headers.authorization, state);
    if (!caller.ok) return graphError(res, 401, 'InvalidAuthenticationToken', caller.message);
    if (state.faults.throttle) {
        res.setHeader('Retry-After', '2');
        return graphError(res, 429, 'TooManyRequests', 'Too many requests, retry after the given delay.');
    }
    const route = routeOf(segments);
    if (!route) return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${segments[0] ?? ''}'.`);
    if (req.method !== 'POST')
        return graphError(res, 405, 'Request_BadRequest', `${req.method} is not supported here.`);
    const body = (req.headers['content-type'] ?? '').startsWith('application/json') ? await readJson(req) : undefined;
    if (body === undefined) return unreadable(res);
    if (state.faults.failureRate && state.random() < state.faults.failureRate) {
        return graphError(res, 500, 'generalException', 'An unspecified error has occurred.');
    }
    const receivedAt = state.now().toISOString();
    if (route.kind === 'mail') {
        if (!caller.claims.roles.includes('Mail.Send')) {
            return graphError(res, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
        }
        const checked = checkSendMail(body);
        if (!checked.ok) return graphError(res, 400, checked.code, checked.message);
        state.mailbox.push({ mailbox: route.mailbox, ...checked.value, request: body, receivedAt });
        res.writeHead(202, { 'Content-Length': '0' }).end();
        return;
    }
    // App-only posting needs the Teams app's own token and its RSC grant in this team (the app installed there).
    const teamsApp = caller.claims.appid === state.directory.teamsApp.clientId;
    const installed = !state.installedTeams || state.installedTeams.has(route.teamId);
    if (!teamsApp || !installed) {
        const grants = teamsApp && installed ? 'ChannelMessage.Send.Group' : '';
        const message = `Missing role permissions on the request. API requires one of 'ChannelMessage.Send.Group, Teamwork.Migrate.All'. Roles on the request '${caller.claims.roles.join(', ')}'. Resource specific consent grants on the request '${grants}'.`;
        return graphError(res, 403, 'Forbidden', message);
    }
    const checked = checkChannelMessage(body);
    if (!checked.ok) return graphError(res, 400, checked.code, checked.message);
    // Teams message ids are creation times in ms; kept strictly increasing so two posts never share one.
    state.lastMessageId = Math.max(state.lastMessageId + 1, state.now().getTime());
    const id = String(state.lastMessageId);
    const { teamId, channelId } = route;
    state.channelMessages.push({ id, teamId, channelId, ...checked.value, request: body, receivedAt });
    sendJson(res, 201, {
        '@odata.context': `http://${req.headers.host}/v1.0/$metadata#teams('${teamId}')/channels('${channelId}')/messages/$entity`,
        id,
        replyToId: null,
        etag: id,
        messageType: 'message',
        createdDateTime: receivedAt,
        lastModifiedDateTime: receivedAt,
        deletedDateTime: null,
        subject: null,
        summary: checked.value.summary,
        importance: 'normal',
        locale: 'en-us',
        channelIdentity: { teamId, channelId },
        body: { contentType: checked.value.contentType, content: checked.value.content },
        attachments: checked.value.attachments,
        mentions: [],
        reactions: [],
    });
}

function authenticate(
    header: string | undefined,
    state: State,
): { ok: true; claims: TokenClaims } | { ok: false; message: string } {
    const token = /^Bearer\s+(\S+)$/.exec(header ?? '')?.[1];
    if (!token) return { ok: false, message: 'Access token is empty.' };
    const verified = state.signer.verify(token);
    if (!verified.ok) {
        const message = {
            malformed: 'IDX14100: JWT is not well formed, there are no dots (.).',
            signature: 'Access token validation failure. Invalid signature.',
            expired: 'Lifetime validation failed, the token is expired.',
        }[verified.reason];
        return { ok: false, message };
    }
    if (verified.claims.aud !== graphAudience) {
        return { ok: false, message: 'Access token validation failure. Invalid audience.' };
    }
    return { ok: true, claims: verified.claims };
}

/**
 * The managed identity's endpoint, as App Service serves it to the app (`IDENTITY_ENDPOINT?resource=…`): a Graph
 * token with the application permission Mail.Send (granted on the shared mailbox), or the token the Teams app's
 * federated credential trusts (audience api://AzureADTokenExchange).
 */
function managedIdentityToken(url: URL, res: ServerResponse, state: State): void {
    const resource = (url.searchParams.get('resource') ?? '').replace(/\/\.default$/, '').replace(/\/$/, '');
    if (resource !== graphAudience && resource !== tokenExchangeAudience) {
        sendJson(res, 400, { statusCode: 400, message: `No token for resource '${resource}' in the sandbox.` });
        return;
    }
    const { tenantId, managedIdentity } = state.directory;
    const { token, expiresOn } = state.signer.issue({
        aud: resource,
        iss: entraIssuer(tenantId),
        sub: managedIdentity.principalId,
        oid: managedIdentity.principalId,
        appid: managedIdentity.clientId,
        tid: tenantId,
        roles: resource === graphAudience ? ['Mail.Send'] : [],
    });
    sendJson(res, 200, {
        access_token: token,
        expires_on: String(expiresOn),
        resource,
        token_type: 'Bearer',
        client_id: managedIdentity.clientId,
    });
}

async function control(req: IncomingMessage, res: ServerResponse, path: string[], state: State): Promise<void> {
    const route = `${req.method} ${path.join('/')}`;
    if (route === 'GET mailbox') return sendJson(res, 200, state.mailbox);
    if (route === 'GET channels') return sendJson(res, 200, state.channelMessages);
    if (route === 'GET managed-identity/token') {
        return managedIdentityToken(new URL(req.url ?? '/', 'http://sandbox'), res, state);
    }
    if (route === 'PUT installations') {
        const body = (await readJson(req)) as { teams?: unknown } | undefined;
        const teams = body?.teams;
        if (teams !== null && !(Array.isArray(teams) && teams.every((t) => typeof t === 'string'))) {
            return graphError(
                res,
                400,
                'BadRequest',
                'installations are { teams: string[] | null } (null: every team)',
            );
        }
        state.installedTeams = teams === null ? undefined : new Set(teams);
        res.writeHead(204).end();
        return;
    }
    if (route !== 'PUT faults') return graphError(res, 404, 'itemNotFound', `no sandbox route ${route}`);
    const faults = parseFaults(await readJson(req));
    if (!faults) {
        const expected = 'faults are { failureRate?: 0..1, throttle?: boolean, down?: boolean }';
        return graphError(res, 400, 'BadRequest', expected);
    }
    state.faults = faults;
    res.writeHead(204).end();
}

function parseFaults(body: unknown): SandboxGraphFaults | undefined {
    if (typeof body !== 'object' || body === null) return undefined;
    const { failureRate, throttle, down } = body as Record<string, unknown>;
    const rateOk =
        failureRate === undefined || (typeof failureRate === 'number' && failureRate >= 0 && failureRate <= 1);
    const flagsOk = [throttle, down].every((f) => f === undefined || typeof f === 'boolean');
    if (!rateOk || !flagsOk) return undefined;
    return body as SandboxGraphFaults;
}

function unreadable(res: ServerResponse): void {
    const message =
        'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';
    graphError(res, 400, 'BadRequest', message);
}
