import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/localRuntime';
import { runSampleLaunch } from '../../local/sampleLaunch';
import { DataverseWebhookEmitter } from '../../sandbox/dataverse/dataverseWebhookEmitter';
import { openStates } from '../../src/domain/transactionRecord';
import { envelope } from '../contract/transactionStore.contract';
import { anyState } from '../support/anyState';
import { localTestSettings } from '../support/localTestSettings';
import { openAlert } from '../support/openAlert';

/** The console in real headless Chromium (Debian's), against the whole local runtime after the sample launch. */
// The picture docs show is taken here, into a temporary folder; `npm run console:screenshot` names docs/console.png.
const screenshotPath =
    process.env.CONSOLE_SCREENSHOT ?? join(mkdtempSync(join(tmpdir(), 'console-shot-')), 'console.png');
let runtime: LocalRuntime;
let browser: BrowserContext;
let page: Page;
const reviewItem = envelope({
    transactionId: 're_receipt-console-review',
    sessionId: 'unit-console-test',
    source: {
        entity: 're_receipt',
        recordId: '0c0e5a1e-7e57-4d1e-9a11-000000000c0e',
        message: 'Create',
        changedAt: '2026-11-10T08:00:00.000Z',
    },
    acceptedAt: new Date().toISOString(),
});

const alertId = 'alert-console-test';

const api = async (path: string) => {
    const res = await fetch(`${runtime.host.url}${path}`, { headers: { 'x-functions-key': runtime.functionKey } });
    return (await res.json()) as Record<string, unknown>;
};

beforeAll(async () => {
    const settings = localTestSettings(mkdtempSync(join(tmpdir(), 'console-')), {
        // This test stages its own alert and review item; the local dispatch timer would regroup or resolve them
        // under the page (its own behaviour is tested in test/notifications).
        LOCAL_NOTIFY_TIMER_MS: '3600000',
    });
    runtime = await startLocalRuntime(settings);
    const emitter = new DataverseWebhookEmitter({
        records: runtime.dataverse.records,
        target: { url: `${runtime.host.url}/api/dataverse/events`, functionKey: runtime.functionKey },
    });
    await runSampleLaunch({
        emitter,
        lookup: runtime.services.lookup,
        run: 3,
        now: new Date(),
        waitForQueue: () => runtime.pump.idle(),
    });
    // A defect waiting in the review queue, as the processor leaves one (the action below goes through the API).
    const { store } = runtime.services;
    await store.recordAccepted(reviewItem, reviewItem.acceptedAt);
    const failure = { class: 'defect', code: 'LOOKUP_MISSING', message: 'no ERP id', owner: 'integration' } as const;
    await store.updateState(
        reviewItem.transactionId,
        { from: anyState, state: 'review', lastFailure: failure, attempts: 1 },
        reviewItem.acceptedAt,
    );
    // An open alert, as the alert pass groups failures (acknowledged below from the page).
    const at = new Date().toISOString();
    await runtime.services.notifications.alerts.create(openAlert(alertId, at));
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-')), {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
        viewport: { width: 1280, height: 900 },
    });
    page = await browser.newPage();
}, 180_000);

afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
});

const loads = async () => {
    const before = Number((await page.getAttribute('body', 'data-loaded').catch(() => null)) ?? 0);
    return page.waitForFunction(`Number(document.body.dataset.loaded ?? 0) > ${before}`);
};

describe('the ops console in Chromium', () => {
    it('loads with the live counts the stats API gives, and no panel in error', async () => {
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${runtime.host.url}/api/console`);
        await page.waitForFunction('Number(document.body.dataset.loaded ?? 0) >= 1');
        const stats = (await api('/api/stats?hours=48&days=14')) as {
            open: Record<string, number>;
            window: Record<string, number>;
        };
        for (const state of openStates) {
            expect([state, await page.textContent(`#count-${state}`)]).toEqual([state, String(stats.open[state])]);
        }
        expect(await page.textContent('#count-confirmed')).toBe(String(stats.window.confirmed ?? 0));
        expect(stats.window.confirmed ?? 0).toBeGreaterThan(0);
        expect(await page.textContent('#error')).toBe('');
        expect(errors).toEqual([]);
    });

    it('shows the parked condition with its owner and "reprocess now", and the retry meter', async () => {
        const conditions = (await api('/api/conditions')) as { conditions: { key: string }[] };
        expect(conditions.conditions.length).toBeGreaterThan(0);
        for (const c of conditions.conditions) {
            const row = page.locator(`#conditions tr[data-condition="${c.key}"]`);
            await expect.poll(() => row.count()).toBe(1);
            expect(await row.locator('button[data-action="reprocess"]').count()).toBe(1);
        }
        const meter = (await api(`/api/meter?day=${new Date().toISOString().slice(0, 10)}`)) as { calls: number };
        expect(await page.locator('#meter dd').first().textContent()).toBe(String(meter.calls));
    });

    it('shows the handover notices and alerts the APIs list, or "not available" where one is not deployed', async () => {
        for (const [path, table, key] of [
            ['/api/notices', '#notices', 'notices'],
            ['/api/alerts', '#alerts', 'alerts'],
        ] as const) {
            const res = await fetch(`${runtime.host.url}${path}`, {
                headers: { 'x-functions-key': runtime.functionKey },
            });
            const rows = page.locator(`${table} tbody tr`);
            if (res.status === 404) {
                expect(await rows.first().textContent()).toBe('not available');
                continue;
            }
            const listed = ((await res.json()) as Record<string, unknown[]>)[key] ?? [];
            if (listed.length === 0) expect(await rows.locator('td.empty').count()).toBe(1);
            else expect(await rows.count()).toBe(listed.length);
        }
    });

    it('shows the reconciliations and backup exports their APIs list, with the result of each', async () => {
        const post = (path: string, body: unknown) =>
            fetch(`${runtime.host.url}${path}`, {
                method: 'POST',
                headers: { 'x-functions-key': runtime.functionKey, 'content-type': 'application/json' },
                body: JSON.stringify(body),
            });
        const period = new Date().toISOString().slice(0, 7);
        const run = await post(`/api/reconciliations/${period}`, { by: 'console test' });
        expect(run.status).toBe(200);
        expect((await post('/api/backups', {})).status).toBe(201);
        const shown = loads();
        await page.click('#refresh');
        await shown;
        const { reports } = (await api('/api/reconciliations')) as {
            reports: { period: string; balanced: boolean; findings: number }[];
        };
        expect(reports.length).toBe(1);
        const rec = page.locator(`#reconciliations tr[data-period="${period}"]`);
        expect(await rec.count()).toBe(1);
        expect(await rec.locator('td').nth(3).textContent()).toBe(reports[0]?.balanced ? 'balanced' : 'not balanced');
        expect(await rec.locator('td').nth(4).textContent()).toBe(String(reports[0]?.findings));
        const { backups } = (await api('/api/backups')) as { backups: { status: string; rows: number }[] };
        expect(backups.length).toBe(1);
        const backupRow = page.locator('#backups tbody tr').first();
        expect(await backupRow.locator('td').nth(2).textContent()).toBe(backups[0]?.status);
        expect(await backupRow.locator('td').nth(4).textContent()).toBe(String(backups[0]?.rows));
    });

    it('pictures every panel filled: the sample launch, an item in review, an open alert, a reconciliation, a backup', async () => {
        await page.screenshot({ path: screenshotPath, fullPage: true });
        const png = readFileSync(screenshotPath);
        expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
        expect(png.readUInt32BE(16)).toBe(1280); // IHDR width: the viewport
    });

    it('draws the trends with chart.js served by the app', async () => {
        expect(await page.evaluate('typeof window.Chart')).toBe('function');
        const drawn = (await page.evaluate(
            "['hourly-chart', 'daily-chart'].map((id) => document.getElementById(id).width)",
        )) as number[];
        expect(drawn.every((w) => w > 0)).toBe(true);
    });

    it('opened from an alert card link, points at that alert; acknowledging it from the page acknowledges it', async () => {
        const shown = loads();
        await page.goto(`${runtime.host.url}/api/console#alert=${alertId}`);
        await shown;
        const row = page.locator(`#alerts tr[data-alert="${alertId}"]`);
        expect(await row.getAttribute('class')).toContain('linked');
        const reloaded = loads();
        await row.locator('button', { hasText: 'Acknowledge' }).click();
        await reloaded;
        const alerts = (await api('/api/alerts')) as { alerts: { id: string; state: string }[] };
        expect(alerts.alerts.find((a) => a.id === alertId)?.state).toBe('acknowledged');
        await expect.poll(async () => row.locator('td').nth(5).textContent()).toBe('acknowledged');
        expect(await page.textContent('#error')).toBe('');
    });

    it('discards a review item from the page: the transaction is discarded, by the operator, and leaves the queue', async () => {
        const row = page.locator(`#review tr[data-id="${reviewItem.transactionId}"]`);
        await expect.poll(() => row.count()).toBe(1);
        await row.locator('button[data-action="discard"]').click();
        await row.locator('input[data-for="discard"]').fill('test record entered by mistake');
        const reloaded = loads();
        await row.locator('button[data-action="discard"]').click();
        await reloaded;
        await expect.poll(() => row.count()).toBe(0);
        const history = (await api(`/api/transactions?sourceRecordId=${reviewItem.source.recordId}`)) as {
            transactions: { state: string; audit: { action: string; by?: string }[] }[];
        };
        expect(history.transactions.map((t) => t.state)).toEqual(['discarded']);
        expect(await page.textContent('#error')).toBe('');
    });
});
