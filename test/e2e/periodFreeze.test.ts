import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/localRuntime';
import { loadLocalSettings } from '../../local/localSettings';
import { DataverseWebhookEmitter } from '../../sandbox/dataverse/dataverseWebhookEmitter';
import { derivedGuid } from '../../sandbox/dataverse/remoteExecutionContextBuilder';

// Month-end close mid-launch, on the local runtime: the probe runs every 400 ms here instead of every minute.
const probeIntervalMs = 400;
let runtime: LocalRuntime;
let emitter: DataverseWebhookEmitter;
const id = (name: string) => derivedGuid(`freeze:${name}`);
const period = new Date().toISOString().slice(0, 7);
const units = ['A', 'B', 'C', 'D'];

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error('condition not reached in time');
        await new Promise((r) => setTimeout(r, 100));
    }
}

beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freeze-'));
    const policy = join(dir, 'retry-policy.json');
    writeFileSync(
        policy,
        JSON.stringify({
            version: 'test',
            default: { baseMs: 200, capMs: 2000, maxAttempts: 8 },
            byType: {},
            dailyRetryBudget: 1000,
            breaker: { consecutiveFailures: 5, openMs: 1000 },
            probeIntervalMs,
            reprocessBatchSize: 2,
        }),
    );
    const zero = Object.fromEntries(
        [
            'LOCAL_HOST_PORT',
            'LOCAL_ERP_PORT',
            'LOCAL_DATAVERSE_PORT',
            'LOCAL_GRAPH_PORT',
            'LOCAL_AZURITE_BLOB_PORT',
            'LOCAL_AZURITE_TABLE_PORT',
        ].map((k) => [k, '0']),
    );
    runtime = await startLocalRuntime(
        loadLocalSettings({
            ...zero,
            LOCAL_STATE_DIR: join(dir, 'state'),
            RETRY_POLICY_PATH: policy,
            LOCAL_PROBE_TIMER_MS: '100',
        }),
    );
    emitter = new DataverseWebhookEmitter({
        records: runtime.dataverse.records,
        target: { url: `${runtime.host.url}/api/dataverse/events`, functionKey: runtime.functionKey },
    });
    emitter.seed('re_project', id('project'), { re_code: 'MARINA', re_name: 'Marina', re_currencycode: 'AED' });
    emitter.seed('re_building', id('building'), {
        re_code: 'MARINA-T9',
        re_name: 'T9',
        re_projectid: { ref: { logicalName: 're_project', id: id('project') } },
    });
    await runtime.services.lookup.put('buildingCode', id('building'), 'MARINA-T9');
    await runtime.services.lookup.put('buildingCostCentre', id('building'), 'CC-MARINA-T9');
    for (const u of units) {
        emitter.seed('re_unit', id(`unit-${u}`), {
            re_code: `MARINA-T9-${u}`,
            re_buildingid: { ref: { logicalName: 're_building', id: id('building') } },
            re_status: { option: 100000000 },
        });
        await emitter.create('contact', id(`buyer-${u}`), { firstname: 'Buyer', lastname: u });
    }
    await runtime.pump.idle();
}, 120_000);

afterAll(async () => {
    await runtime?.stop();
});

describe('finance freezes the period mid-launch', () => {
    it('parks postings with at most one ERP call per probe interval, and posts them all by themselves, in order, when it reopens', async () => {
        await fetch(`${runtime.erp.url}/sandbox/periods/${period}`, {
            method: 'PUT',
            body: JSON.stringify({ status: 'frozen' }),
        });
        const callsBefore = runtime.erp.calls.total;
        const frozenAt = Date.now();
        for (const u of units) {
            await emitter.create('re_reservation', id(`res-${u}`), {
                re_name: `RSV-9${u}`,
                re_unitid: { ref: { logicalName: 're_unit', id: id(`unit-${u}`) } },
                re_buyerid: { ref: { logicalName: 'contact', id: id(`buyer-${u}`) } },
                re_value: { money: 1_000_000 },
                re_bookingamount: { money: 100_000 },
                re_reservedon: { date: new Date() },
                re_status: { option: 100000000 },
            });
            for (const n of [1, 2]) {
                await emitter.create('re_installment', id(`inst-${u}-${n}`), {
                    re_name: `RSV-9${u}-0${n}`,
                    re_reservationid: { ref: { logicalName: 're_reservation', id: id(`res-${u}`) } },
                    re_sequence: n,
                    re_duedate: { date: new Date() },
                    re_amount: { money: 50_000 },
                });
            }
        }
        await runtime.pump.idle();
        await new Promise((r) => setTimeout(r, 3 * probeIntervalMs));
        const frozenMs = Date.now() - frozenAt;
        const callsWhileFrozen = runtime.erp.calls.total - callsBefore;
        // One post learns the period is frozen; after that only the probe asks, once per interval.
        expect(callsWhileFrozen).toBeLessThanOrEqual(1 + Math.ceil(frozenMs / probeIntervalMs) + 1);
        expect(runtime.erp.books.postings.filter((p) => p.type === 'reservations')).toEqual([]);
        const parked = await runtime.services.store.listByState('parked', 100);
        const held = await runtime.services.store.listByState('held', 100);
        expect([parked.length, held.length]).toEqual([units.length, units.length * 2]);

        await fetch(`${runtime.erp.url}/sandbox/periods/${period}`, {
            method: 'PUT',
            body: JSON.stringify({ status: 'open' }),
        });
        await until(
            async () => runtime.erp.books.postings.filter((p) => p.type === 'instalments').length === units.length * 2,
            20_000,
        );
        await runtime.pump.idle();

        for (const u of units) {
            const order = runtime.erp.books.postings
                .filter((p) => p.reference.startsWith(`RSV-9${u}`))
                .map((p) => p.reference);
            expect(order).toEqual([`RSV-9${u}`, `RSV-9${u}-01`, `RSV-9${u}-02`]);
        }
        expect(await runtime.services.conditions.listActive()).toEqual([]);
        expect((await runtime.services.store.listByState('confirmed', 100)).length).toBe(units.length * 4);
    }, 60_000);
});
