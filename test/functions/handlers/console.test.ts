import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { buildRegistrations, type HttpRegistration } from '../../../functions/registrations';
import type { Services } from '../../../functions/services';
import { principal } from '../../console/clientPrincipal';
import { memoryServices } from '../../support/memoryServices';
import { withReviewItem } from '../../support/reviewItem';

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });

function consoleOf(s: Services) {
    const registrations = buildRegistrations(async () => s, 'functionKey').filter(
        (r): r is HttpRegistration => r.kind === 'http',
    );
    const by = (name: string) => {
        const r = registrations.find((x) => x.name === name);
        if (!r) throw new Error(`no registration ${name}`);
        return r;
    };
    /** A request as the page makes it: from the same origin, actions with the console's header (unless told otherwise). */
    const call = (
        name: string,
        init: {
            method?: string;
            path?: string;
            file?: string;
            body?: unknown;
            user?: string;
            /** Replaces the page's headers; null removes one. */
            headers?: Record<string, string | null>;
        },
    ) =>
        by(name).handler(
            new HttpRequest({
                method: init.method ?? 'GET',
                url: `http://localhost/api/console/api/${init.path ?? ''}`,
                params: {
                    ...(init.path !== undefined ? { path: init.path } : {}),
                    ...(init.file ? { file: init.file } : {}),
                },
                headers: Object.fromEntries(
                    Object.entries({
                        host: 'localhost',
                        'sec-fetch-site': 'same-origin',
                        ...((init.method ?? 'GET') !== 'GET' ? { 'x-console-csrf': '1' } : {}),
                        ...(init.user ? { 'x-ms-client-principal': init.user } : {}),
                        ...init.headers,
                    }).filter((e): e is [string, string] => e[1] !== null),
                ),
                ...(init.body !== undefined ? { body: { string: JSON.stringify(init.body) } } : {}),
            }),
            context(),
        );
    return { by, call };
}

describe('console handlers', () => {
    it('registers the page, its assets and its API as anonymous at the host (Easy Auth and app roles guard them)', () => {
        const { by } = consoleOf(memoryServices());
        expect(['console', 'console-assets', 'console-api'].map((n) => [by(n).route, by(n).authLevel])).toEqual([
            ['console', 'anonymous'],
            ['console/assets/{file}', 'anonymous'],
            ['console/api/{*path}', 'anonymous'],
        ]);
    });

    it('serves the page and chart.js from node_modules, nothing else', async () => {
        const { call } = consoleOf(
            memoryServices({ settings: { ...memoryServices().settings, CONSOLE_AUTH: 'none' } }),
        );
        const page = await call('console', {});
        expect(page.status).toBe(200);
        expect(String(page.body)).toContain('/api/console/assets/chart.umd.min.js');
        const chart = await call('console-assets', { file: 'chart.umd.min.js' });
        expect([chart.status, (chart.headers as Record<string, string>)['content-type']]).toEqual([
            200,
            'text/javascript; charset=utf-8',
        ]);
        expect((await call('console-assets', { file: '..%2Fpackage.json' })).status).toBe(404);
    });

    it('behind Easy Auth: 401 without a principal, 403 without a role, the stats API with Console.Read', async () => {
        const s = memoryServices();
        const { call } = consoleOf(s);
        const page = await call('console', {});
        expect([page.status, (page.headers as Record<string, string>).location]).toEqual([
            302,
            '/.auth/login/aad?post_login_redirect_uri=/api/console',
        ]);
        expect((await call('console-assets', { file: 'console.js' })).status).toBe(401);
        expect((await call('console-api', { path: 'stats' })).status).toBe(401);
        expect((await call('console-api', { path: 'stats', user: principal('X', []) })).status).toBe(403);
        const res = await call('console-api', { path: 'stats', user: principal('Ana', ['Console.Read']) });
        expect(res.status).toBe(200);
        expect((res.jsonBody as { hourly: unknown[] }).hourly).toHaveLength(48);
    });

    it('a viewer cannot act; an actor acts as the signed-in user, whatever the page says', async () => {
        const s = memoryServices();
        const id = await withReviewItem(s);
        const { call } = consoleOf(s);
        const path = `review/${id}/discard`;
        const viewer = principal('Ana', ['Console.Read']);
        const body = { by: 'someone else', reason: 'entered twice' };
        expect((await call('console-api', { method: 'POST', path, body, user: viewer })).status).toBe(403);
        expect((await s.store.get(id))?.state).toBe('review');
        const actor = principal('Bo', ['Console.Act'], { upn: 'bo@contoso.example' });
        const res = await call('console-api', { method: 'POST', path, body, user: actor });
        expect([res.status, (res.jsonBody as { state: string }).state]).toEqual([202, 'discarded']);
        const audit = await s.store.listAudit(id);
        expect(audit.at(-1)?.payload).toEqual({ by: 'bo@contoso.example', reason: 'entered twice' });
        expect(JSON.stringify(audit)).not.toContain('someone else');
    });

    it('refuses an action without the console header or from another site (CSRF), changing nothing', async () => {
        const s = memoryServices();
        const id = await withReviewItem(s);
        const { call } = consoleOf(s);
        const path = `review/${id}/discard`;
        const user = principal('Bo', ['Console.Act'], { upn: 'bo@contoso.example' });
        const body = { reason: 'entered twice' };
        const forged: Record<string, string | null>[] = [
            { 'x-console-csrf': null }, // a form or a no-cors fetch cannot add the header
            { 'sec-fetch-site': 'cross-site' },
            { 'sec-fetch-site': 'same-site' }, // a sibling app on the same parent domain is another site for us
            { 'sec-fetch-site': null, origin: 'https://evil.example' }, // a browser without fetch metadata
        ];
        for (const headers of forged) {
            const res = await call('console-api', { method: 'POST', path, body, user, headers });
            const code = (res.jsonBody as { error: { code: string } }).error.code;
            expect([JSON.stringify(headers), res.status, code]).toEqual([
                JSON.stringify(headers),
                403,
                'CROSS_SITE_REQUEST',
            ]);
        }
        expect((await s.store.get(id))?.state).toBe('review');
        const fine = await call('console-api', { method: 'POST', path, body, user });
        expect(fine.status).toBe(202);
    });

    it('answers NOT_AVAILABLE for what the console may not call or nothing serves', async () => {
        const s = memoryServices({ settings: { ...memoryServices().settings, CONSOLE_AUTH: 'none' } });
        const { call } = consoleOf(s);
        for (const path of ['dataverse/events', 'health', 'nosuch', 'sandbox/mailbox']) {
            const res = await call('console-api', { path, method: path === 'dataverse/events' ? 'POST' : 'GET' });
            expect([path, res.status, (res.jsonBody as { error: { code: string } }).error.code]).toEqual([
                path,
                404,
                'NOT_AVAILABLE',
            ]);
        }
        const me = await call('console-api', { path: 'me' });
        expect(me.jsonBody).toEqual({ name: 'local operator', canRead: true, canAct: true });
    });
});
