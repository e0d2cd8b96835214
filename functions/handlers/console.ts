import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { consoleRequestRefusal } from '../auth/crossSiteCheck';
import { operatorAccess } from '../auth/operatorAccess';
import { principalHeader } from '../auth/requireOperator';
import { matchConsoleApi } from '../console/consoleRoutes';
import type { HttpRegistration } from '../registrations';
import type { ServicesProvider } from '../services';
import { json, problem } from './jsonResponse';

/** The files the page loads; chart.js comes from node_modules (a dependency), never a CDN. */
const assets: Record<string, { path: string; type: string }> = {
    'console.js': { path: 'console/console.js', type: 'text/javascript; charset=utf-8' },
    'console.css': { path: 'console/console.css', type: 'text/css; charset=utf-8' },
    'chart.umd.min.js': { path: 'node_modules/chart.js/dist/chart.umd.min.js', type: 'text/javascript; charset=utf-8' },
};
const page = { path: 'console/index.html', type: 'text/html; charset=utf-8' };
const cache = new Map<string, string>();

async function file(path: string, root: string): Promise<string> {
    const key = resolve(root, path);
    let text = cache.get(key);
    if (text === undefined) {
        text = await readFile(key, 'utf8');
        cache.set(key, text);
    }
    return text;
}

const signIn = '/.auth/login/aad?post_login_redirect_uri=/api/console';
// The page and its data are for signed-in operators only: never cached by a shared proxy.
const noStore = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** GET /api/console and /api/console/assets/{file}: the page and its scripts, for users with Console.Read. */
export function createConsolePageHandler(services: ServicesProvider, root = process.cwd()) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const s = await services();
        const access = operatorAccess(s.settings.CONSOLE_AUTH, request.headers.get(principalHeader), 'read');
        const name = request.params.file;
        // Easy Auth lets anonymous requests through (the webhook has no Entra ID token),
        // so the page itself sends a browser that is not signed in to Entra ID's sign-in, and back.
        if (access.kind === 'denied' && access.status === 401 && name === undefined) {
            return { status: 302, headers: { location: signIn, ...noStore } };
        }
        if (access.kind === 'denied') return problem(access.status, access.code, access.message);
        const asset = name === undefined ? page : assets[name];
        if (!asset) return problem(404, 'NOT_FOUND', `no console asset ${name}`);
        return { status: 200, body: await file(asset.path, root), headers: { 'content-type': asset.type, ...noStore } };
    };
}

/**
 * /api/console/api/{*path}: the console's data and actions. Reading needs Console.Read, acting (POST) Console.Act and
 * the console's own header from the same origin (CSRF). The request is then handed, with the signed-in user's
 * principal, to the very operator API that serves `/api/{path}` (so the page shows what the API says, and that API
 * checks the role and records the user as the actor). `me` answers who is signed in; `sandbox/mailbox|channels`
 * (local only) shows what the Graph sandbox received.
 */
export function createConsoleApiHandler(services: ServicesProvider, registrations: () => readonly HttpRegistration[]) {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        const s = await services();
        const method = request.method.toUpperCase();
        const principal = request.headers.get(principalHeader);
        const access = operatorAccess(s.settings.CONSOLE_AUTH, principal, method === 'GET' ? 'read' : 'act');
        if (access.kind === 'denied') return problem(access.status, access.code, access.message);
        const refusal = consoleRequestRefusal(request);
        if (refusal) return problem(403, 'CROSS_SITE_REQUEST', refusal);
        const path = request.params.path ?? '';
        if (path === 'me') {
            const { name, canRead, canAct } = access.actor;
            return json(200, { name, canRead, canAct }, noStore);
        }
        const sandbox = /^sandbox\/(mailbox|channels)$/.exec(path)?.[1];
        if (sandbox && method === 'GET') return sandboxView(s.settings.CONSOLE_SANDBOX_URL, sandbox);
        const match = matchConsoleApi(registrations(), path, method);
        if (!match) return problem(404, 'NOT_AVAILABLE', `${method} /api/${path} is not available to the console`);
        const url = new URL(request.url);
        const forwarded = new HttpRequest({
            method,
            url: `${url.origin}/api/${path}${url.search}`,
            headers: { 'content-type': 'application/json', ...(principal ? { [principalHeader]: principal } : {}) },
            query: Object.fromEntries(url.searchParams),
            params: match.params,
            ...(method !== 'GET' ? { body: { string: await request.text() } } : {}),
        });
        const response = await match.registration.handler(forwarded, context);
        return { ...response, headers: { ...(response.headers as Record<string, string>), ...noStore } };
    };
}

async function sandboxView(baseUrl: string | undefined, what: string): Promise<HttpResponseInit> {
    if (!baseUrl) return problem(404, 'NOT_AVAILABLE', 'the Graph sandbox is shown only when running locally');
    try {
        const res = await fetch(new URL(`sandbox/${what}`, baseUrl), { signal: AbortSignal.timeout(5000) });
        if (!res.ok) return problem(502, 'SANDBOX_UNAVAILABLE', `the Graph sandbox answered ${res.status}`);
        return json(200, { items: await res.json() }, noStore);
    } catch (e) {
        return problem(502, 'SANDBOX_UNAVAILABLE', `the Graph sandbox did not answer: ${(e as Error).message}`);
    }
}
