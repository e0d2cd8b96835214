import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { buildRegistrations, type HttpRegistration } from '../../functions/registrations';
import type { Services } from '../../functions/services';
import { appPrincipal, principal } from '../console/clientPrincipal';
import { memoryServices } from '../support/memoryServices';
import { openAlert } from '../support/openAlert';
import { withReviewItem } from '../support/reviewItem';

/** Who may call what (docs/access.md): a change here is a change of the access model, made on purpose. */
const expectedAccess: Record<string, HttpRegistration['access']> = {
    health: 'public',
    'dataverse-events': 'webhook',
    'flow-events': 'act',
    subscriptions: 'read',
    'subscription-delete': 'read',
    transactions: 'read',
    'review-list': 'read',
    'review-action': 'act',
    conditions: 'read',
    'conditions-reprocess': 'act',
    meter: 'read',
    stats: 'read',
    notices: 'read',
    alerts: 'read',
    'alerts-acknowledge': 'act',
    summary: 'read',
    'reconciliations-list': 'read',
    'reconciliations-get': 'read',
    'reconciliations-run': 'act',
    'reconciliations-repush': 'act',
    'sweeps-run': 'act',
    'sweeps-list': 'read',
    'backups-run': 'act',
    'backups-list': 'read',
    'backups-get': 'read',
    // The smoke test's Teams card: posted by the app as the Teams app, so an operator action like any other.
    'teams-test-card': 'act',
    console: 'console',
    'console-assets': 'console',
    'console-api': 'console',
};

const oid = '6a1f0c2d-4e5b-4c7a-9d8e-0f1a2b3c4d5e';
const upn = 'bo.finance@contoso.example';

function http(s: Services, intake: 'functionKey' | 'header' = 'functionKey') {
    return buildRegistrations(async () => s, intake).filter((r): r is HttpRegistration => r.kind === 'http');
}

function operatorRoutes(s: Services) {
    return http(s).filter((r) => r.access === 'read' || r.access === 'act');
}

/** A request to a registration's route, its parameters filled in, as the host would hand it over. */
function requestTo(
    r: HttpRegistration,
    init: { user?: string; headers?: Record<string, string>; body?: unknown; params?: Record<string, string> } = {},
) {
    const params = Object.fromEntries(
        [...r.route.matchAll(/\{\*?(\w+)\}/g)].map(([, name]) => [name, init.params?.[name as string] ?? 'x']),
    );
    const method = r.methods[0] ?? 'GET';
    return new HttpRequest({
        method,
        url: `https://app.example/api/${r.route}`,
        params,
        headers: {
            host: 'app.example',
            ...(init.user ? { 'x-ms-client-principal': init.user } : {}),
            ...init.headers,
        },
        ...(method !== 'GET' ? { body: { string: JSON.stringify(init.body ?? {}) } } : {}),
    });
}

function recordingContext(name: string) {
    const logs: string[] = [];
    const context = new InvocationContext({
        functionName: name,
        logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
    });
    return { context, logs };
}

const call = (r: HttpRegistration, request: HttpRequest) => r.handler(request, recordingContext(r.name).context);

const inReview = (s: Services) => withReviewItem(s, 'tx-in-review');

describe('who may call what', () => {
    it('declares every HTTP route with the access the model gives it', () => {
        expect(Object.fromEntries(http(memoryServices()).map((r) => [r.name, r.access]))).toEqual(expectedAccess);
    });

    it('no key opens an operator API: only the webhook is function-level (its own key), and anonymous in header mode', () => {
        const levels = (intake: 'functionKey' | 'header') =>
            Object.fromEntries(
                http(memoryServices(), intake)
                    .filter((r) => r.authLevel !== 'anonymous')
                    .map((r) => [r.name, r.authLevel]),
            );
        expect(levels('functionKey')).toEqual({ 'dataverse-events': 'function' });
        expect(levels('header')).toEqual({});
    });

    it('without a principal every operator API answers 401 and changes nothing', async () => {
        const s = memoryServices();
        const routes = operatorRoutes(s);
        expect(routes.length).toBe(24);
        for (const r of routes) {
            const res = await call(r, requestTo(r));
            expect([r.name, res.status]).toEqual([r.name, 401]);
        }
        expect(s.sent).toEqual([]);
    });

    it('with a principal holding neither role every operator API answers 403', async () => {
        const s = memoryServices();
        const stranger = principal('Cy', ['Some.Other.Role'], { oid });
        for (const r of operatorRoutes(s)) {
            const res = await call(r, requestTo(r, { user: stranger }));
            expect([r.name, res.status]).toEqual([r.name, 403]);
        }
    });

    it('a Console.Read token reads but cannot act: every act route answers 403 and nothing moves', async () => {
        const s = memoryServices();
        const id = await inReview(s);
        const reader = principal('Ana', ['Console.Read'], { oid, upn: 'ana@contoso.example' });
        for (const r of operatorRoutes(s)) {
            const res = await call(r, requestTo(r, { user: reader, params: { transactionId: id, action: 'discard' } }));
            if (r.access === 'act') {
                expect([r.name, res.status, res.jsonBody]).toEqual([
                    r.name,
                    403,
                    { error: { code: 'FORBIDDEN', message: 'the Console.Act app role is required' } },
                ]);
            } else {
                expect([r.name, res.status === 401 || res.status === 403]).toEqual([r.name, false]);
            }
        }
        expect((await s.store.get(id))?.state).toBe('review');
        expect(s.sent).toEqual([]);
    });

    it('refuses a browser action from another site (CSRF) on every route that changes something', async () => {
        const s = memoryServices();
        const actor = principal('Bo', ['Console.Act'], { oid, upn });
        const unsafe = operatorRoutes(s).filter((r) => r.methods[0] !== 'GET');
        expect(unsafe.length).toBeGreaterThan(5);
        for (const r of unsafe) {
            const forged: Record<string, string>[] = [
                { 'sec-fetch-site': 'cross-site' },
                { origin: 'https://evil.example' },
            ];
            for (const headers of forged) {
                const res = await call(r, requestTo(r, { user: actor, headers }));
                expect([r.name, res.status, (res.jsonBody as { error: { code: string } }).error.code]).toEqual([
                    r.name,
                    403,
                    'CROSS_SITE_REQUEST',
                ]);
            }
        }
        expect(s.sent).toEqual([]);
    });
});

describe('the actor comes from the token', () => {
    const bo = principal('Bo Finance', ['Console.Act'], { oid, upn });
    const route = (s: Services, name: string) => {
        const r = http(s).find((x) => x.name === name);
        if (!r) throw new Error(`no registration ${name}`);
        return r;
    };

    it('a review action is audited under the token UPN, whatever `by` the body sends', async () => {
        const s = memoryServices();
        const id = await inReview(s);
        const r = route(s, 'review-action');
        const res = await call(
            r,
            requestTo(r, {
                user: bo,
                params: { transactionId: id, action: 'discard' },
                body: { by: 'mallory@elsewhere.example', reason: 'entered twice' },
            }),
        );
        expect(res.status).toBe(202);
        const audit = await s.store.listAudit(id);
        expect(audit.at(-1)).toMatchObject({ action: 'review:discard', payload: { by: upn, reason: 'entered twice' } });
        expect(JSON.stringify(audit)).not.toContain('mallory');
    });

    it('acknowledging an alert, running a backup and reprocessing a condition name the token user too', async () => {
        const s = memoryServices();
        const at = '2026-11-10T08:00:00.000Z';
        await s.notifications.alerts.create(openAlert('alert-1', at));
        const ack = route(s, 'alerts-acknowledge');
        const acked = await call(ack, requestTo(ack, { user: bo, params: { id: 'alert-1' }, body: { by: 'mallory' } }));
        expect(acked.status).toBe(200);
        expect((await s.notifications.alerts.get('alert-1'))?.acknowledgedBy).toBe(upn);

        const backup = route(s, 'backups-run');
        const run = await call(backup, requestTo(backup, { user: bo, body: { by: 'mallory' } }));
        expect([run.status, (run.jsonBody as { requestedBy?: string }).requestedBy]).toEqual([201, upn]);

        await s.conditions.open({
            key: 'period 2026-11 frozen',
            kind: 'period',
            owner: 'finance',
            since: at,
            details: {},
        });
        const reprocess = route(s, 'conditions-reprocess');
        const released = await call(
            reprocess,
            requestTo(reprocess, { user: bo, body: { condition: 'period 2026-11 frozen', by: 'mallory' } }),
        );
        expect([released.status, (released.jsonBody as { by: string }).by]).toEqual([202, upn]);
    });

    it('an application token acts under its client id', async () => {
        const s = memoryServices();
        const id = await inReview(s);
        const r = route(s, 'review-action');
        const app = appPrincipal('0e1d2c3b-4a59-4867-8756-a4b3c2d1e0f9', oid, ['Console.Act']);
        const res = await call(r, requestTo(r, { user: app, params: { transactionId: id, action: 'retry' } }));
        expect(res.status).toBe(202);
        expect((await s.store.listAudit(id)).at(-1)?.payload).toEqual({
            by: 'app:0e1d2c3b-4a59-4867-8756-a4b3c2d1e0f9',
        });
    });

    it('logs an action with the object id, never the UPN', async () => {
        const s = memoryServices();
        const id = await inReview(s);
        const r = route(s, 'review-action');
        const { context, logs } = recordingContext(r.name);
        await r.handler(requestTo(r, { user: bo, params: { transactionId: id, action: 'retry' } }), context);
        expect(logs.join('\n')).toContain(oid);
        expect(logs.join('\n')).not.toContain('@');
    });
});
