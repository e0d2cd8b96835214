import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import {
    createReconciliationGetHandler,
    createReconciliationListHandler,
    createReconciliationRunHandler,
    createReconciliationTimerHandler,
    createRepushHandler,
    previousPeriod,
} from '../../../functions/handlers/reconciliation';
import { MemoryBlobStore } from '../../../src/adapters/memory/memoryBlobStore';
import type { ChannelMessage } from '../../../src/ports/notifier';
import { ReportArchive } from '../../../src/reconciliation/reportArchive';
import { crmRows, erpBooks, fakeReader, fakeReporting } from '../../reconciliation/support/fakeBooks';
import { userActor } from '../../support/actors';
import { memoryServices } from '../../support/memoryServices';

const logs: string[] = [];
const context = () =>
    new InvocationContext({ functionName: 'test', logHandler: (_level, ...args) => void logs.push(args.join(' ')) });
const request = (method: string, path: string, params: Record<string, string>, body?: unknown, query = '') =>
    new HttpRequest({
        method,
        url: `http://localhost/api/${path}${query}`,
        params,
        ...(body === undefined ? {} : { body: { string: typeof body === 'string' ? body : JSON.stringify(body) } }),
    });

function services(options: { failing?: boolean; erp?: ReturnType<typeof erpBooks> } = {}) {
    const posted: ChannelMessage[] = [];
    const archive = new ReportArchive(new MemoryBlobStore('reconciliations'));
    const reporting = fakeReporting(options.erp ?? erpBooks());
    const s = memoryServices({
        clock: { now: () => new Date('2026-12-03T06:00:00Z') },
        notifier: {
            sendMail: async () => {},
            postToChannel: async (m) => {
                posted.push(m);
                return { messageId: 'm1' };
            },
        },
        reconciliation: {
            reporting: options.failing
                ? { ...reporting, buildingFigures: async () => Promise.reject(new Error('ERP answered 503')) }
                : reporting,
            reader: fakeReader(crmRows()),
            rule: memoryServices().reconciliation.rule,
            reports: async () => archive,
            channel: { teamId: 'team-1', channelId: '19:finance@thread.tacv2' },
        },
    });
    return { s, posted, archive, provider: async () => s };
}

describe('POST /api/reconciliations/{period}', () => {
    it('reconciles, stores the report, posts the channel summary and says balanced', async () => {
        const { provider, posted, archive } = services();
        const response = await createReconciliationRunHandler(provider)(
            request('POST', 'reconciliations/2026-11', { period: '2026-11' }, {}),
            context(),
            userActor('fc@contoso.example'),
        );
        expect(response.status).toBe(200);
        expect(response.jsonBody).toMatchObject({ status: 'balanced', findings: [], posted: true });
        expect((await archive.list()).map((e) => e.balanced)).toEqual([true]);
        expect(posted).toEqual([
            expect.objectContaining({
                teamId: 'team-1',
                channelId: '19:finance@thread.tacv2',
                summary: 'Reconciliation 2026-11: balanced',
            }),
        ]);
        // The card carries figures and codes, never a buyer.
        expect(JSON.stringify(posted[0]?.card)).not.toMatch(/@|buyer/i);
    });

    it('refuses a bad period or body without running, and answers 503 when the ERP cannot answer', async () => {
        const { provider, archive } = services();
        const handler = createReconciliationRunHandler(provider);
        const run = (r: HttpRequest) => handler(r, context(), userActor());
        const bad = await run(request('POST', 'x', { period: '2026-1' }, {}));
        expect([bad.status, bad.jsonBody]).toEqual([
            400,
            { error: { code: 'INVALID_PERIOD', message: 'period must be YYYY-MM, got "2026-1"', field: 'period' } },
        ]);
        const badProject = await run(request('POST', 'x', { period: '2026-11' }, { project: 7 }));
        expect(badProject).toMatchObject({
            status: 400,
            jsonBody: { error: { code: 'INVALID_BODY', field: 'project' } },
        });
        const notJson = await run(request('POST', 'x', { period: '2026-11' }, 'nope'));
        expect(notJson.status).toBe(400);
        expect(await archive.list()).toEqual([]);
        const down = services({ failing: true });
        const unavailable = await createReconciliationRunHandler(down.provider)(
            request('POST', 'x', { period: '2026-11' }, {}),
            context(),
            userActor(),
        );
        expect(unavailable).toMatchObject({
            status: 503,
            jsonBody: {
                error: { code: 'RECONCILIATION_UNAVAILABLE', message: expect.stringContaining('ERP answered 503') },
            },
        });
    });
});

describe('GET /api/reconciliations[/{period}]', () => {
    it('lists runs and serves the newest of a period as JSON, Markdown or CSV', async () => {
        const { provider } = services();
        expect(
            (await createReconciliationGetHandler(provider)(request('GET', 'x', { period: '2026-11' }, undefined)))
                .status,
        ).toBe(404);
        await createReconciliationRunHandler(provider)(
            request('POST', 'x', { period: '2026-11' }, undefined),
            context(),
            userActor(),
        );
        const list = await createReconciliationListHandler(provider)(request('GET', 'reconciliations', {}, undefined));
        expect((list.jsonBody as { reports: Array<{ period: string }> }).reports.map((r) => r.period)).toEqual([
            '2026-11',
        ]);
        const get = createReconciliationGetHandler(provider);
        const json = await get(request('GET', 'x', { period: '2026-11' }, undefined));
        expect(json.jsonBody).toMatchObject({ period: '2026-11', balanced: true });
        const md = await get(request('GET', 'x', { period: '2026-11' }, undefined, '?format=md'));
        expect([md.headers, String(md.body)]).toEqual([
            { 'content-type': 'text/markdown; charset=utf-8' },
            expect.stringContaining('# Reconciliation 2026-11'),
        ]);
        const csv = await get(request('GET', 'x', { period: '2026-11' }, undefined, '?format=csv'));
        expect(String(csv.body)).toMatch(/^period,kind,/);
        const badFormat = await get(request('GET', 'x', { period: '2026-11' }, undefined, '?format=pdf'));
        expect(badFormat.status).toBe(400);
        const badList = await createReconciliationListHandler(provider)(
            request('GET', 'x', {}, undefined, '?period=11-2026'),
        );
        expect(badList.status).toBe(400);
    });
});

describe('POST /api/reconciliations/repush/{sourceRecordId}', () => {
    it('answers 404 for a record never accepted and 400 for a body it does not understand', async () => {
        const { provider, s } = services();
        const handler = createRepushHandler(provider);
        const repush = (r: HttpRequest) => handler(r, context(), userActor());
        expect((await repush(request('POST', 'x', { sourceRecordId: 'r9' }, undefined))).status).toBe(404);
        expect((await repush(request('POST', 'x', { sourceRecordId: 'r9' }, { note: 'x' }))).status).toBe(400);
        expect(s.sent).toEqual([]);
    });
});

describe('timer', () => {
    it('reconciles the month before the one it runs in', async () => {
        expect(previousPeriod(new Date('2026-01-03T06:00:00Z'))).toBe('2025-12');
        const { provider, archive } = services();
        await createReconciliationTimerHandler(provider)({}, context());
        expect((await archive.list()).map((e) => e.period)).toEqual(['2026-11']);
        expect(logs.some((l) => l.includes('reconciliation 2026-11'))).toBe(true);
    });
});
