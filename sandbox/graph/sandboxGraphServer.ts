import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../seededRandom';
import { graphError, readJson, sendJson } from './graphHttp';
import { type ChannelMessageShape, checkChannelMessage, checkSendMail, type MailShape } from './graphShapes';

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
}

interface State {
    faults: SandboxGraphFaults;
    random: () => number;
    mailbox: SentMail[];
    channelMessages: ChannelPost[];
    lastMessageId: number;
    now: () => Date;
    /** Teams the app is installed in with RSC ChannelMessage.Send.Group; undefined: every team (no check). */
    installedTeams: ReadonlySet<string> | undefined;
}

/**
 * The two Microsoft Graph calls the notifier makes, on node:http: bearer auth, Graph's error JSON for bad bodies,
 * throttling and outage faults, and `/sandbox/*` routes to read what was received. Loopback only.
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
    } = {},
): Promise<SandboxGraph> {
    const host = options.host ?? '127.0.0.1';
    const state: State = {
        faults: options.failureRate === undefined ? {} : { failureRate: options.failureRate },
        random: mulberry32(options.seed ?? 1),
        mailbox: [],
        channelMessages: [],
        lastMessageId: 0,
        now: options.now ?? (() => new Date()),
        installedTeams: options.installedTeams ? new Set(options.installedTeams) : undefined,
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
    return {
        url: `http://${host}:${port}`,
        mailbox: state.mailbox,
        channelMessages: state.channelMessages,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
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
    if (!/^Bearer\s+\S+/.test(req.headers.authorization ?? '')) {
        return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
    }
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
        const checked = checkSendMail(body);
        if (!checked.ok) return graphError(res, 400, checked.code, checked.message);
        state.mailbox.push({ mailbox: route.mailbox, ...checked.value, request: body, receivedAt });
        res.writeHead(202, { 'Content-Length': '0' }).end();
        return;
    }
    if (state.installedTeams && !state.installedTeams.has(route.teamId)) {
        const message = `Missing role permissions on the request. API requires one of 'ChannelMessage.Send.Group' for team '${route.teamId}'; the app is not installed in it.`;
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

async function control(req: IncomingMessage, res: ServerResponse, path: string[], state: State): Promise<void> {
    const route = `${req.method} ${path.join('/')}`;
    if (route === 'GET mailbox') return sendJson(res, 200, state.mailbox);
    if (route === 'GET channels') return sendJson(res, 200, state.channelMessages);
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
