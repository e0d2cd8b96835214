import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alertsResponseSchema } from '../../functions/handlers/alerts';
import { noticesResponseSchema } from '../../functions/handlers/notices';
import { buildRegistrations, type TimerRegistration } from '../../functions/registrations';
import { type LocalRuntime, startLocalRuntime } from '../../local/localRuntime';
import { runSampleLaunch } from '../../local/sampleLaunch';
import { DataverseWebhookEmitter } from '../../sandbox/dataverse/dataverseWebhookEmitter';
import { localTestSettings } from '../support/localTestSettings';

/**
 * The notification path on the real local stack: Azurite tables through the Table adapters, the sandbox Dataverse
 * holding the buyer, the Graph sandbox behind the real Graph client. The sample launch moves a unit to Ready for
 * handover; the registered timer sends its owner's notice once; a notice that cannot be sent becomes an alert.
 */
let runtime: LocalRuntime;
let stateDir: string;
let notify: TimerRegistration;
const launchDays = new Set<string>();

const api = (path: string, init: RequestInit = {}) =>
    fetch(`${runtime.host.url}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', 'x-functions-key': runtime.functionKey },
    });
const tick = () => notify.handler({}, new InvocationContext({ functionName: notify.name, logHandler: () => {} }));

beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'notify-e2e-'));
    const settings = localTestSettings(stateDir);
    runtime = await startLocalRuntime(settings);
    const timer = buildRegistrations(async () => runtime.services, 'functionKey').find(
        (r): r is TimerRegistration => r.kind === 'timer' && r.name === 'dispatch-notifications',
    );
    if (!timer) throw new Error('dispatch-notifications is not registered');
    notify = timer;
    const emitter = new DataverseWebhookEmitter({
        records: runtime.dataverse.records,
        target: { url: `${runtime.host.url}/api/dataverse/events`, functionKey: runtime.functionKey },
    });
    launchDays.add(new Date().toISOString().slice(0, 10));
    await runSampleLaunch({
        emitter,
        lookup: runtime.services.lookup,
        run: 7,
        now: new Date(),
        waitForQueue: () => runtime.pump.idle(),
    });
    await runtime.pump.idle();
    launchDays.add(new Date().toISOString().slice(0, 10));
}, 180_000);

afterAll(async () => {
    await runtime?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('notifications on the local runtime', () => {
    it("sends the handover notice to the unit owner's CRM address from the shared mailbox, once", async () => {
        // The local host fires dispatch-notifications by itself (LOCAL_NOTIFY_TIMER_MS), as Azure does on its schedule.
        await vi.waitFor(() => expect(runtime.graph.mailbox).toHaveLength(1), { timeout: 30_000, interval: 250 });
        await tick();
        await tick();
        expect(runtime.graph.mailbox).toHaveLength(1);
        const mail = runtime.graph.mailbox[0];
        expect(mail?.mailbox).toBe('integration@contoso-developments.example');
        expect(mail?.to).toEqual([expect.stringMatching(/^buyer1\.run7@example\.com$/)]);
        expect(mail?.subject).toMatch(/^Your home MARINA-T7-\S+ is ready for handover$/);
        const res = await api('/api/notices');
        expect(res.status).toBe(200);
        const { notices } = noticesResponseSchema.parse(await res.json());
        expect(notices).toHaveLength(1);
        expect(notices[0]).toMatchObject({ state: 'sent', attempts: 1 });
    });

    it('a notice that cannot be sent (no owner) ends as an alert card and e-mail to sales operations, acknowledged over HTTP', async () => {
        await runtime.services.handovers.open({
            key: 'unit-e2e:2026-12-01',
            unitId: 'unit-e2e',
            unitCode: 'MARINA-T7-E2E',
            ownerId: null,
            readyOn: '2026-12-01',
            createdAt: new Date().toISOString(),
            transactionId: 'tx-e2e',
            notice: 'pending',
        });
        await tick();
        const cards = runtime.graph.channelMessages.filter((m) => m.summary?.startsWith('Handover notice not sent'));
        expect(cards).toHaveLength(1);
        expect(cards[0]?.channelId).toBe('19:sales-ops-integration@thread.tacv2');
        expect(JSON.stringify(cards[0]?.cards)).toContain('unit MARINA-T7-E2E ready 2026-12-01');
        const { alerts } = alertsResponseSchema.parse(await (await api('/api/alerts')).json());
        const alert = alerts.find((a) => a.title === 'Handover notice not sent (NOTICE_NO_OWNER)');
        expect(alert).toMatchObject({ owner: 'salesOperations', count: 1, state: 'open', level: 0 });
        const ack = await api(`/api/alerts/${alert?.id}/acknowledge`, {
            method: 'POST',
            body: JSON.stringify({ by: 'sales-ops@contoso' }),
        });
        expect(ack.status).toBe(200);
        expect(await ack.json()).toMatchObject({ id: alert?.id, state: 'acknowledged' });
        expect((await api('/api/alerts/nope/acknowledge', { method: 'POST' })).status).toBe(404);
    });

    it('GET /api/summary answers the launch day', async () => {
        // The launch may straddle midnight UTC: its transactions are then split over two days.
        let transactions = 0;
        let erpCalls = 0;
        for (const day of launchDays) {
            const res = await api(`/api/summary?date=${day}`);
            expect(res.status).toBe(200);
            const body = (await res.json()) as { transactions: { total: number }; retryMeter: { erpCalls: number } };
            transactions += body.transactions.total;
            erpCalls += body.retryMeter.erpCalls;
        }
        expect(transactions).toBeGreaterThan(40);
        expect(erpCalls).toBeGreaterThan(40);
    });
});
