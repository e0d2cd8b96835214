import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/localRuntime';
import type { TransactionState } from '../../src/domain/transactionRecord';
import { reconcileCli } from '../../src/reconciliation/reconcileCli';
import type { ReconciliationReport } from '../../src/reconciliation/reconciliationReport';
import { replayLaunch, settle, startReplayRuntime } from './support/launchReplay';

// A launch the simulator's generator builds (buyers, reservations, cancellations with re-release, payment plans,
// receipts, co-listed claims, construction progress at 40 %), replayed through the real local pipeline. The CRM side
// is read from the sandbox Dataverse over its Web API, the ERP side through the ERP's reporting routes, and the
// report is stored in Azurite's Blob service.
let runtime: LocalRuntime;
const period = new Date().toISOString().slice(0, 7);

type RunAnswer = Omit<ReconciliationReport, 'buildings'> & { status: string; id: string; posted: boolean };

async function api(
    method: string,
    path: string,
    body?: unknown,
): Promise<{ status: number; body: unknown; text: string }> {
    const response = await fetch(`${runtime.host.url}/api/${path}`, {
        method,
        headers: { 'x-functions-key': runtime.functionKey, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
}

const reconcile = async () => {
    const answer = await api('POST', `reconciliations/${period}`, { by: 'finance.controller' });
    expect(answer.status).toBe(200);
    return answer.body as RunAnswer;
};

/** `npm run reconcile` against this runtime: exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await reconcileCli(
        [...args, '--url', runtime.host.url],
        {},
        {
            stdout: (t) => {
                stdout += t;
            },
            stderr: (t) => {
                stderr += t;
            },
        },
    );
    return { code, stdout, stderr };
}

/** The CRM's reserved value, computed here from the sandbox rows (not by the code under test). */
function crmReservedValue(): number {
    const counted = runtime.dataverse.records
        .list('re_reservation')
        .filter((r) => r.re_status === 100000000 || r.re_status === 100000002);
    return Math.round(counted.reduce((sum, r) => sum + Number(r.re_value), 0) * 100) / 100;
}

beforeAll(async () => {
    runtime = await startReplayRuntime();
    await replayLaunch(runtime, { seed: 21, units: 10, events: 110 });
    // Everything posted: nothing parked or held either (a reservation waiting for its buyer clears by itself).
    for (let i = 0; i < 100; i++) {
        const waiting = await Promise.all(
            (['parked', 'held', 'review'] as TransactionState[]).map((s) => runtime.services.store.listByState(s, 1)),
        );
        if (waiting.every((w) => w.length === 0)) break;
        await new Promise((r) => setTimeout(r, 100));
        await settle(runtime);
    }
}, 120_000);

afterAll(async () => {
    await runtime?.stop();
});

describe('reconciliation of a replayed launch', () => {
    it('with everything posted, says balanced, the gap fully explained by construction %', async () => {
        const report = await reconcile();
        const reserved = crmReservedValue();
        expect(reserved).toBeGreaterThan(0);
        expect(report.status).toBe('balanced');
        // Summarised in the end-of-day channel (the Graph sandbox's Teams channel locally).
        expect(report.posted).toBe(true);
        const channels = await (await fetch(`${runtime.graph.url}/sandbox/channels`)).text();
        expect(channels).toContain(`Reconciliation ${period}: balanced`);
        expect(report.findings).toEqual([]);
        expect(report.investigated).toEqual([]);
        expect(report.totals.reservedValue).toMatchObject({ crm: reserved, erp: reserved, withinTolerance: true });
        // 40 % reported: 40 % recognised, 60 % of the reserved value is the expected gap, nothing unexplained.
        expect(report.totals.recognition.erp).toBeCloseTo(reserved * 0.4, 0);
        expect(report.totals.expectedGap).toBeCloseTo(reserved * 0.6, 0);
        expect(report.totals.unexplainedGap).toBe(0);
        expect(report.totals.receipts.crm).toBeGreaterThan(0);
        expect(report.totals.receipts.difference).toBe(0);

        const list = (await api('GET', 'reconciliations')).body as {
            reports: Array<{ id: string; balanced: boolean }>;
        };
        expect(list.reports[0]).toMatchObject({ id: report.id, balanced: true });
        const markdown = await api('GET', `reconciliations/${period}?format=md`);
        expect(markdown.text).toContain(`# Reconciliation ${period}`);
        expect(markdown.text).toContain('**Balanced.**');
        const printed = await cli('--period', period);
        expect([printed.code, printed.stdout]).toEqual([0, expect.stringContaining('**Balanced.**')]);
        expect((await cli('--period', '2026-13')).code).toBe(2);
        const csv = await api('GET', `reconciliations/${period}?format=csv`);
        expect(csv.text.trim().split('\n')).toEqual([
            expect.stringMatching(/^period,kind,projectCode,buildingCode,type,reference/),
        ]);
    });

    it('with one posting removed from the ERP, names that one record, and a re-push through the pipeline balances it', async () => {
        const receipt = runtime.erp.books.postings.find((p) => p.type === 'receipts');
        if (!receipt) throw new Error('the launch has no receipt');
        const removed = await fetch(
            `${runtime.erp.url}/sandbox/records/receipts/${encodeURIComponent(receipt.reference)}`,
            {
                method: 'DELETE',
            },
        );
        expect(removed.status).toBe(200);
        const [transaction] = await runtime.services.store.listBySourceRecord(receipt.sourceRecordId);

        const report = await reconcile();
        expect(report.status).toBe('notBalanced');
        expect(report.findings).toEqual([
            expect.objectContaining({
                kind: 'missingInErp',
                type: 'receipt',
                reference: receipt.reference,
                sourceRecordId: receipt.sourceRecordId,
                transactionId: transaction?.envelope.transactionId,
                state: 'confirmed',
                repushable: true,
                owner: 'integration',
            }),
        ]);

        const printed = await cli('--period', period, '--json');
        expect(printed.code).toBe(1);
        expect(JSON.parse(printed.stdout)).toMatchObject({
            status: 'notBalanced',
            findings: [{ reference: receipt.reference }],
        });

        const repush = await api('POST', `reconciliations/repush/${receipt.sourceRecordId}`, {
            by: 'finance.controller',
        });
        expect(repush).toMatchObject({
            status: 202,
            body: { status: 'queued', transactionId: transaction?.envelope.transactionId },
        });
        await settle(runtime);
        expect((await reconcile()).status).toBe('balanced');
        // Re-posted under its own idempotency key, once.
        const again = runtime.erp.books.postings.filter((p) => p.reference === receipt.reference);
        expect(again.map((p) => p.idempotencyKey)).toEqual([receipt.idempotencyKey]);
        // A record the integration never accepted cannot be re-pushed: it must come from Dataverse again.
        const twice = await api('POST', 'reconciliations/repush/00000000-0000-4000-8000-000000000000', { by: 'x' });
        expect(twice.status).toBe(404);
    });

    it('with the period frozen and postings parked, names exactly those transactions and their owner', async () => {
        await fetch(`${runtime.erp.url}/sandbox/periods/${period}`, {
            method: 'PUT',
            body: JSON.stringify({ status: 'frozen' }),
        });
        const launch = await replayLaunch(runtime, { seed: 22, units: 3, events: 40 });
        const waiting = (
            await Promise.all(
                (['parked', 'held'] as TransactionState[]).map((s) => runtime.services.store.listByState(s, 10_000)),
            )
        )
            .flat()
            .filter((t) => ['reservation', 'instalment', 'receipt', 'constructionProgress'].includes(t.envelope.type));
        expect(waiting.length).toBeGreaterThan(0);

        const report = await reconcile();
        expect(report.status).toBe('notBalanced');
        const frozenBuildings = launch.buildings.map((b) => b.code);
        expect(report.investigated).toEqual(frozenBuildings);
        const pending = report.findings.filter((f) => f.kind === 'pending');
        expect(report.findings.filter((f) => f.kind !== 'pending')).toEqual([]);
        expect(pending.map((f) => f.transactionId).sort()).toEqual(waiting.map((t) => t.envelope.transactionId).sort());
        // The period is finance's to reopen; held ones wait behind a parked one of their unit.
        expect(new Set(pending.map((f) => f.owner))).toEqual(new Set(['finance']));
        for (const f of pending) expect(f.condition).toContain(`period ${period} frozen`);

        await fetch(`${runtime.erp.url}/sandbox/periods/${period}`, {
            method: 'PUT',
            body: JSON.stringify({ status: 'open' }),
        });
    });
});
