import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/localRuntime';
import { reportSampleProgress, runSampleLaunch, type SampleLaunchResult } from '../../local/sampleLaunch';
import { DataverseWebhookEmitter } from '../../sandbox/dataverse/dataverseWebhookEmitter';
import { derivedGuid } from '../../sandbox/dataverse/remoteExecutionContextBuilder';
import { localTestSettings } from '../support/localTestSettings';

/** Transactions the raw ledger (every posting the ERP applied) holds more than once. */
const postedTwice = (runtime: LocalRuntime) => {
    const count = new Map<string, number>();
    for (const p of runtime.erp.books.postings)
        count.set(p.integrationReference, (count.get(p.integrationReference) ?? 0) + 1);
    return [...count].filter(([, n]) => n > 1);
};

// Against both ERP profiles: one that keeps Idempotency-Keys (a repeat is answered with the first answer) and one
// that keeps none, as many customers' ERPs (a repeat posts again): there only our side keeps a posting single.
describe.each([
    ['keeps idempotency keys', true],
    ['keeps no idempotency keys', false],
] as const)('the pipeline, end to end on the local runtime (an ERP that %s)', (_profile, idempotencyKeys) => {
    let runtime: LocalRuntime;
    let emitter: DataverseWebhookEmitter;
    let launch: SampleLaunchResult;
    const logs: string[] = [];

    beforeAll(async () => {
        const dir = mkdtempSync(join(tmpdir(), 'e2e-'));
        // Production's policy trusts the ERP to replay a key for 24 h and re-sends without a look-up meanwhile; against
        // an ERP without keys that re-send would post again, so there every re-push looks up first (0 = always).
        // (Until the core learns the ERP's profile by itself.)
        const policy = join(dir, 'retry-policy.json');
        writeFileSync(
            policy,
            JSON.stringify({
                ...JSON.parse(readFileSync('config/retry-policy.v1.json', 'utf8')),
                ...(idempotencyKeys ? {} : { erpKeyReplayMs: 0 }),
            }),
        );
        const settings = localTestSettings(join(dir, 'state'), { RETRY_POLICY_PATH: policy });
        runtime = await startLocalRuntime(settings, (line) => logs.push(line));
        runtime.erp.faults.update({ idempotencyKeys });
        emitter = new DataverseWebhookEmitter({
            records: runtime.dataverse.records,
            target: { url: `${runtime.host.url}/api/dataverse/events`, functionKey: runtime.functionKey },
        });
        launch = await runSampleLaunch({
            emitter,
            lookup: runtime.services.lookup,
            run: 7,
            now: new Date('2026-11-10T09:00:00Z'),
            waitForQueue: () => runtime.pump.idle(),
        });
    }, 120_000);

    afterAll(async () => {
        await runtime?.stop();
    });

    const api = (path: string, init: RequestInit = {}) =>
        fetch(`${runtime.host.url}${path}`, {
            ...init,
            headers: { 'x-functions-key': runtime.functionKey, ...(init.headers ?? {}) },
        });

    it('accepts every event of the sample launch', () => {
        expect(launch.refused).toEqual([]);
        expect(launch.accepted).toBe(launch.sent);
    });

    it('posts each reservation to the ERP exactly once, as the ledger (ground truth) shows', () => {
        const postings = runtime.erp.books.postings;
        const reservationRefs = postings.filter((p) => p.type === 'reservations').map((p) => p.reference);
        // Reservation 5 is posted, then amended by its cancellation: same reference, same posting id.
        expect([...new Set(reservationRefs)].sort()).toEqual([...launch.reservations].sort());
        expect(postedTwice(runtime)).toEqual([]);
        expect(runtime.erp.books.cancelledPlans).toEqual(['RSV-70005']);
    });

    it('keeps per-unit order: a reservation reaches the ERP before its instalments and receipt', () => {
        const postings = runtime.erp.books.postings;
        for (const number of launch.reservations.slice(0, 3)) {
            const reservationSeq =
                postings.find((p) => p.type === 'reservations' && p.reference === number)?.seq ?? Infinity;
            const later = postings.filter(
                (p) => (p.type === 'instalments' || p.type === 'receipts') && p.body.reservationNumber === number,
            );
            expect(later.length).toBeGreaterThan(0);
            expect(later.every((p) => p.seq > reservationSeq)).toBe(true);
        }
    });

    it('allocates the booking receipt to the first instalment invoice', () => {
        const allocations = runtime.erp.books.allocations.filter((a) => a.receiptNumber === 'RCT-70001');
        expect(allocations).toEqual([{ receiptNumber: 'RCT-70001', instalmentId: 'RSV-70001-01', amount: 120000 }]);
    });

    it('holds back the instalment whose construction milestone is not reached, as a business block for the project team', async () => {
        expect(runtime.erp.books.postings.some((p) => p.reference === 'RSV-70004-03')).toBe(false);
        const instalmentId = derivedGuid('sample-launch:7:RSV-70004-3');
        const res = await api(`/api/transactions?sourceRecordId=${instalmentId}`);
        const body = (await res.json()) as {
            transactions: Array<{ state: string; lastFailure: Record<string, unknown> }>;
        };
        expect(res.status).toBe(200);
        expect(
            body.transactions.map((t) => [
                t.state,
                t.lastFailure?.class,
                t.lastFailure?.owner,
                t.lastFailure?.condition,
            ]),
        ).toEqual([['parked', 'blocked', 'project', 'MARINA-T7 below 70%']]);
        // Its unit's receipt, which came after it in the CRM, waits behind it.
        expect(runtime.erp.books.postings.some((p) => p.reference === 'RCT-70004')).toBe(false);
        const conditions = (await (await api('/api/conditions')).json()) as {
            conditions: Array<{ key: string; owner: string; parkedUnits: number }>;
        };
        expect(conditions.conditions.map((c) => [c.key, c.owner, c.parkedUnits])).toEqual([
            ['MARINA-T7 below 70%', 'project', 1],
        ]);
    });

    it('posts the parked instalment and the receipt held behind it by themselves when the project team reports progress', async () => {
        await reportSampleProgress({
            emitter,
            run: 7,
            now: new Date('2026-11-10T09:00:00Z'),
            percent: 75,
            waitForQueue: () => runtime.pump.idle(),
        });
        const refs = runtime.erp.books.postings.map((p) => p.reference);
        expect(refs.indexOf('RSV-70004-03')).toBeGreaterThan(-1);
        expect(refs.indexOf('RCT-70004')).toBeGreaterThan(refs.indexOf('RSV-70004-03'));
        expect(((await (await api('/api/conditions')).json()) as { conditions: unknown[] }).conditions).toEqual([]);
    });

    it('meters ERP calls by day, first attempts apart from retries', async () => {
        const today = new Date().toISOString().slice(0, 10);
        const meter = (await (await api(`/api/meter?day=${today}`)).json()) as {
            calls: number;
            firstAttempts: number;
            retries: number;
            breaker: { state: string };
        };
        expect(meter.calls).toBe(meter.firstAttempts + meter.retries);
        expect(meter.firstAttempts).toBeGreaterThan(40);
        expect(meter.breaker.state).toBe('closed');
    });

    it('writes the ERP posting id back to the CRM row, touching only integration-owned columns', () => {
        const writes = runtime.dataverse.records.writes;
        expect(writes.length).toBeGreaterThan(20);
        const columns = new Set(writes.flatMap((w) => Object.keys(w.fields)));
        expect([...columns].sort()).toEqual([
            're_erppostingid',
            're_erpsyncedon',
            're_erpsyncerror',
            're_erpsyncstatus',
        ]);
        const reservation = runtime.dataverse.records.get(
            're_reservation',
            derivedGuid('sample-launch:7:reservation-1'),
        );
        const posting = runtime.erp.books.postings.find((p) => p.reference === 'RSV-70001');
        expect(reservation?.re_erppostingid).toBe(posting?.postingId);
    });

    it('shows a transaction with its audit trail and the correlation id from Dataverse', async () => {
        const id = derivedGuid('sample-launch:7:reservation-2');
        const res = await api(`/api/transactions?sourceRecordId=${id}`);
        const body = (await res.json()) as {
            transactions: Array<{
                state: string;
                erpPostingId: string;
                correlationId: string;
                audit: Array<{ action: string; outcome: string; correlationId: string }>;
            }>;
        };
        const [tx] = body.transactions;
        expect(tx?.state).toBe('confirmed');
        expect(tx?.audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(['post:ok', 'writeBack:ok']);
        expect(tx?.audit.every((a) => a.correlationId === tx.correlationId)).toBe(true);
    });

    it('ignores its own write-back (no feedback loop) and says why', async () => {
        const result = await emitter.update('re_reservation', derivedGuid('sample-launch:7:reservation-2'), {
            re_erpsyncstatus: 'posted',
        });
        expect(result).toEqual({
            status: 202,
            body: { status: 'ignored', reason: 'update touches only integration-owned columns (our own confirmation)' },
        });
    });

    it('completes an Update sent without images from the Web API, and posts the amendment', async () => {
        const id = derivedGuid('sample-launch:7:reservation-3');
        const result = await emitter.update(
            're_reservation',
            id,
            { re_bookingamount: { money: 130_000 } },
            { images: false },
        );
        expect(result.status).toBe(202);
        await runtime.pump.idle();
        const amendments = runtime.erp.books.postings.filter((p) => p.reference === 'RSV-70003');
        expect(amendments.map((p) => p.body.bookingAmount)).toEqual([125000, 130000]);
        expect(new Set(amendments.map((p) => p.postingId)).size).toBe(1);
    });

    it('reads an oversized event (x-ms-dynamics-msg-size-exceeded) through the Web API', async () => {
        const id = derivedGuid('sample-launch:7:reservation-2');
        const result = await emitter.update(
            're_reservation',
            id,
            { re_value: { money: 1_260_000 } },
            { oversized: true },
        );
        expect(result.status).toBe(202);
        await runtime.pump.idle();
        const last = runtime.erp.books.postings.filter((p) => p.reference === 'RSV-70002').at(-1);
        expect(last?.body.value).toBe(1_260_000);
    });

    it('propagates a reservation Delete as a cancellation that closes its payment plan', async () => {
        const result = await emitter.delete('re_reservation', derivedGuid('sample-launch:7:reservation-6'));
        expect(result.status).toBe(202);
        await runtime.pump.idle();
        expect(runtime.erp.books.cancelledPlans).toEqual(['RSV-70005', 'RSV-70006']);
    });

    it('lets a reservation that overtakes its buyer wait for the buyer, then post by itself', async () => {
        const buyer = derivedGuid('race:buyer');
        const unit = derivedGuid('sample-launch:7:unit-7');
        const reservation = derivedGuid('race:reservation');
        await emitter.create('contact', buyer, { firstname: 'Race', lastname: 'Buyer' });
        await emitter.create('re_reservation', reservation, {
            re_name: 'RSV-RACE-1',
            re_unitid: { ref: { logicalName: 're_unit', id: unit } },
            re_buyerid: { ref: { logicalName: 'contact', id: buyer } },
            re_value: { money: 900_000 },
            re_bookingamount: { money: 90_000 },
            re_reservedon: { date: new Date('2026-11-10T09:00:00Z') },
            re_status: { option: 100000000 },
        });
        await runtime.pump.idle();
        const deadline = Date.now() + 20_000;
        while (!runtime.erp.books.postings.some((p) => p.reference === 'RSV-RACE-1') && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 100));
        const refs = runtime.erp.books.postings.map((p) => p.reference);
        expect(refs.indexOf('RSV-RACE-1')).toBeGreaterThan(refs.indexOf(buyer));
    });

    it('opens one handover for the unit that became Ready for handover', async () => {
        const handovers = await runtime.services.handovers.listPending(10);
        expect(handovers.map((h) => [h.unitCode, h.readyOn, h.notice])).toEqual([
            ['MARINA-T7-1202', '2026-11-17', 'pending'],
        ]);
    });

    it('refuses a call without the function key', async () => {
        const res = await fetch(`${runtime.host.url}/api/dataverse/events`, { method: 'POST', body: '{}' });
        expect(res.status).toBe(401);
    });

    it('answers 400 naming the field for bad input and enqueues nothing', async () => {
        const before = runtime.queue.stats();
        const res = await api('/api/dataverse/events', {
            method: 'POST',
            body: JSON.stringify({ MessageName: 'Create' }),
        });
        const body = (await res.json()) as { error: { code: string; field: string } };
        expect([res.status, body.error.code]).toEqual([400, 'INVALID_CONTEXT']);
        expect(body.error.field).toBeTruthy();
        expect(runtime.queue.stats()).toEqual(before);
    });

    it('is healthy once ready', async () => {
        const res = await fetch(`${runtime.host.url}/api/health`);
        expect(await res.json()).toEqual({ status: 'ready', entityMapVersion: '1.0.0', erpMapVersion: '1.0.0' });
    });

    it('posts a change whose ERP answer was lost exactly once: it finds the posting before pushing again', async () => {
        const id = derivedGuid('sample-launch:7:reservation-1');
        // The ERP applies the next write but the connection drops before its answer: our side sees ERP_UNREACHABLE.
        runtime.erp.faults.update({ loseAnswers: 1 });
        const result = await emitter.update('re_reservation', id, { re_value: { money: 1_210_000 } });
        expect(result.status).toBe(202);
        const confirmed = async () => {
            const res = await api(`/api/transactions?sourceRecordId=${id}`);
            const body = (await res.json()) as {
                transactions: Array<{
                    transactionId: string;
                    state: string;
                    audit: Array<{ action: string; outcome: string }>;
                }>;
            };
            return body.transactions.find((t) => t.audit.some((a) => a.outcome === 'failed'));
        };
        const deadline = Date.now() + 30_000;
        let lost = await confirmed();
        while (lost?.state !== 'confirmed' && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 200));
            lost = await confirmed();
        }
        expect(runtime.erp.faults.settings.loseAnswers).toBe(0);
        expect(lost?.state).toBe('confirmed');
        const amendments = runtime.erp.books.postings.filter((p) => p.integrationReference === lost?.transactionId);
        expect(amendments.map((p) => [p.reference, p.body.value])).toEqual([['RSV-70001', 1_210_000]]);
        expect(postedTwice(runtime)).toEqual([]);
    });
});
