import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import type { HttpRegistration, Registration } from '../functions/registrations';
import { secretMatches } from '../src/core/webhookAuth';

export interface LocalHost {
    url: string;
    close(): Promise<void>;
}

interface Route {
    registration: HttpRegistration;
    pattern: RegExp;
    names: string[];
}

/**
 * Serves the HTTP registrations the way the Functions host does: routes under /api, `authLevel: 'function'`
 * checked against the function key (`?code=` or `x-functions-key`), handlers called with real HttpRequest and
 * InvocationContext objects. Loopback only.
 */
export async function startLocalHost(options: {
    registrations: Registration[];
    functionKey: string;
    port: number;
    host?: string;
    log?: (line: string) => void;
}): Promise<LocalHost> {
    const routes = options.registrations.filter((r): r is HttpRegistration => r.kind === 'http').map(compileRoute);
    const server: Server = createServer((req, res) => {
        handle(req, res, routes, options).catch((e: unknown) => {
            options.log?.(`local host error: ${e instanceof Error ? e.message : String(e)}`);
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'unhandled error in handler' } }));
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${options.host ?? '127.0.0.1'}:${port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

function compileRoute(registration: HttpRegistration): Route {
    const names: string[] = [];
    const source = registration.route
        .split('/')
        .map((segment) => {
            // `{*name}` is a catch-all, as in the Functions host: the rest of the path, slashes included.
            const rest = /^\{\*(\w+)\}$/.exec(segment);
            if (rest?.[1]) {
                names.push(rest[1]);
                return '(.+)';
            }
            const m = /^\{(\w+)\}$/.exec(segment);
            if (!m?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            names.push(m[1]);
            return '([^/]+)';
        })
        .join('/');
    return { registration, pattern: new RegExp(`^/api/${source}$`), names };
}

async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    routes: Route[],
    options: { functionKey: string; log?: (line: string) => void },
): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const matches = routes.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).filter((x) => x.m);
    const hit = matches.find((x) => (x.r.registration.methods as string[]).includes(method));
    if (!hit?.m) {
        res.writeHead(matches.length > 0 ? 405 : 404, { 'content-type': 'application/json' });
        res.end(
            JSON.stringify({
                error: {
                    code: matches.length > 0 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND',
                    message: `${method} ${url.pathname}`,
                },
            }),
        );
        return;
    }
    const { registration, names } = hit.r;
    if (registration.authLevel === 'function') {
        const presented = url.searchParams.get('code') ?? headerValue(req, 'x-functions-key');
        if (!secretMatches(presented, options.functionKey)) {
            res.writeHead(401, { 'content-type': 'application/json' });
            res.end(
                JSON.stringify({
                    error: {
                        code: 'UNAUTHORIZED',
                        message: 'missing or wrong function key (?code= or x-functions-key)',
                    },
                }),
            );
            return;
        }
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
        params[name] = decodeURIComponent(hit.m?.[i + 1] ?? '');
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const request = new HttpRequest({
        method,
        url: url.toString(),
        headers,
        query: Object.fromEntries(url.searchParams),
        params,
        ...(chunks.length > 0 ? { body: { bytes: new Uint8Array(Buffer.concat(chunks)) } } : {}),
    });
    const context = new InvocationContext({
        functionName: registration.name,
        logHandler: (level, ...args) => {
            if (level === 'warning' || level === 'error') options.log?.(`[${registration.name}] ${args.join(' ')}`);
        },
    });
    const init = await registration.handler(request, context);
    const response = new HttpResponse(init);
    const body = Buffer.from(await response.arrayBuffer());
    const outHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
        outHeaders[key] = value;
    });
    res.writeHead(response.status, outHeaders);
    res.end(body);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
}
