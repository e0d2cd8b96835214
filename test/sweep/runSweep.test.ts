import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRegistrations } from '../../functions/registrations';
import { type LocalHost, startLocalHost } from '../../local/localHost';
import { DataverseWebhookEmitter } from '../../sandbox/dataverse/dataverseWebhookEmitter';
import { type SandboxDataverse, startSandboxDataverse } from '../../sandbox/dataverse/sandboxDataverseServer';
import { DataverseWebApiClient } from '../../src/adapters/dataverse/dataverseWebApiClient';
import { MemorySweepRunStore } from '../../src/adapters/memory/memorySweepRunStore';
import { RelatedRecords } from '../../src/core/relatedRecords';
import { silentLogger } from '../../src/ports/logger';
import { defaultLookbackMs, runSweep, type SweepDeps, SweepWindowError } from '../../src/sweep/runSweep';
import { memoryServices, testConfig } from '../support/memoryServices';

const functionKey = 'sweep-test-function-key-0123456789';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const unit = id(901);
const buyer = id(902);

let now: number;
let dataverse: SandboxDataverse;
let host: LocalHost;
let lostWebhooks: Server;
/** The bodies of the webhooks Dataverse gave up on (the endpoint answered 503), with their headers. */
let lost: Array<{ body: string; headers: Record<string, string> }>;
let services: ReturnType<typeof memoryServices>;
let delivered: DataverseWebhookEmitter;
let dropped: DataverseWebhookEmitter;
let runs: MemorySweepRunStore;

beforeEach(async () => {
    // The reference rows were last changed long before any window swept here.
    now = Date.parse('2026-10-01T08:00:00.000Z');
    const clock = { now: () => new Date(now) };
    dataverse = await startSandboxDataverse({ now: clock.now });
    const crm = new DataverseWebApiClient({
        orgUrl: dataverse.url,
        getToken: async () => 'token',
        integrationOwnedFields: Object.fromEntries(
            Object.keys(testConfig.entityMap.entities).map((e) => [e, testConfig.entityMap.integrationOwnedColumns]),
        ),
        timeoutMs: 5_000,
    });
    services = memoryServices({ crm, clock });
    services.related = new RelatedRecords(testConfig.entityMap, services.lookup, crm);
    host = await startLocalHost({
        registrations: buildRegistrations(async () => services, 'functionKey'),
        functionKey,
        port: 0,
    });
    lost = [];
    lostWebhooks = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
            lost.push({ body: Buffer.concat(chunks).toString('utf8'), headers });
            res.writeHead(503).end();
        });
    });
    await new Promise<void>((r) => lostWebhooks.listen(0, '127.0.0.1', r));
    const lostUrl = `http://127.0.0.1:${(lostWebhooks.address() as AddressInfo).port}/api/dataverse/events`;
    delivered = new DataverseWebhookEmitter({
        records: dataverse.records,
        target: { url: `${host.url}/api/dataverse/events`, functionKey },
        now: clock.now,
    });
    dropped = new DataverseWebhookEmitter({ records: dataverse.records, target: { url: lostUrl }, now: clock.now });
    // Reference rows no step watches: the unit, its building and project, the buyer.
    for (const emitter of [delivered, dropped]) {
        emitter.seed('re_project', id(903), { re_code: 'MARINA', re_name: 'Marina', re_currencycode: 'AED' });
        emitter.seed('re_building', id(904), {
            re_code: 'MARINA-T1',
            re_name: 'Tower 1',
            re_projectid: { ref: { logicalName: 're_project', id: id(903) } },
        });
        emitter.seed('re_unit', unit, {
            re_code: 'MARINA-T1-1203',
            re_buildingid: { ref: { logicalName: 're_building', id: id(904) } },
            re_status: { option: 100000001 },
        });
        emitter.seed('contact', buyer, { firstname: 'Amal', lastname: 'Haddad' });
    }
    now = Date.parse('2026-11-10T08:00:00.000Z');
    runs = new MemorySweepRunStore();
});

afterEach(async () => {
    await host?.close();
    await dataverse?.close();
    await new Promise((r) => lostWebhooks?.close(r));
});

const reservation = (n: number, status = 100000000) => ({
    re_name: `RSV-${n}`,
    re_unitid: { ref: { logicalName: 're_unit', id: unit } },
    re_buyerid: { ref: { logicalName: 'contact', id: buyer } },
    re_value: { money: 1_250_000 },
    re_bookingamount: { money: 125_000 },
    // Milliseconds, as an event may carry them; Dataverse keeps the column to the second, as its Web API answers it.
    re_reservedon: { date: new Date('2026-11-02T08:00:00.250Z') },
    re_status: { option: status },
});

function deps(over: Partial<SweepDeps['options']> = {}): SweepDeps {
    return {
        ...services,
        logger: silentLogger,
        reader: services.crm as DataverseWebApiClient,
        runs,
        options: { pageSize: 2, maxReads: 100, lookbackMs: defaultLookbackMs, maxPageAttempts: 1, ...over },
        sleep: async () => {},
    };
}

/** Sends the webhooks Dataverse gave up on, late, through the real intake; the transaction ids it answers. */
async function deliverLate(): Promise<string[]> {
    const ids: string[] = [];
    for (const { body, headers } of lost) {
        const { host: _host, 'content-length': _length, connection: _c, ...rest } = headers;
        const res = await fetch(`${host.url}/api/dataverse/events?code=${functionKey}`, {
            method: 'POST',
            headers: rest,
            body,
        });
        expect(res.status).toBe(202);
        ids.push(((await res.json()) as { transactionId: string }).transactionId);
    }
    return ids;
}

const transactionsOf = async (recordId: string) =>
    (await services.store.listBySourceRecord(recordId)).map((t) => t.envelope.transactionId);

describe('the daily sweep', () => {
    it('replays the rows whose latest version has no transaction, under the key their webhook would have had', async () => {
        // A: created, its webhook delivered; then the integration's own write-back changed the row (new version).
        expect((await delivered.create('re_reservation', id(1), reservation(1))).status).toBe(202);
        now += 60_000;
        dataverse.records.patch('re_reservation', id(1), { re_erpsyncstatus: 'posted' });
        // B: created; Dataverse gave up on its webhook.
        now += 60_000;
        await dropped.create('re_reservation', id(2), reservation(2));
        // C: created (delivered), then cancelled: that webhook was lost.
        now += 60_000;
        await delivered.create('re_reservation', id(3), { ...reservation(3), re_unitid: null });
        dropped.seed('re_reservation', id(3), { ...reservation(3), re_unitid: null });
        now += 60_000;
        await dropped.update('re_reservation', id(3), { re_status: { option: 100000001 } });
        expect(lost).toHaveLength(2);
        const before = services.sent.length;

        now += 3_600_000;
        const run = await runSweep(deps(), { trigger: 'http', requestedBy: 'ops@contoso' });
        expect(run.status).toBe('complete');
        expect(run.window).toEqual({ since: '2026-11-09T08:04:00.000Z', until: '2026-11-10T09:04:00.000Z' });
        const table = run.tables.find((t) => t.entity === 're_reservation');
        expect(table).toMatchObject({
            rowsRead: 3,
            replayed: 2,
            alreadyPresent: 1,
            ignored: 0,
            failed: 0,
            complete: true,
        });
        // Two pages of two rows: the reservations only; tables with no change read one empty page each.
        expect(table?.pages).toBe(2);
        expect(run.totals).toEqual({ rowsRead: 3, replayed: 2, alreadyPresent: 1, ignored: 0, failed: 0 });
        expect(run.replays.map((r) => r.recordId).sort()).toEqual([id(2), id(3)]);
        expect(services.sent.length - before).toBe(2);
        const [replayedB] = await transactionsOf(id(2));
        const replayedC = (await transactionsOf(id(3)))[1];
        expect((await services.store.get(replayedC ?? ''))?.envelope.action).toBe('cancel');

        // The webhooks Dataverse gave up on arrive after all: each is the transaction the sweep replayed.
        expect(await deliverLate()).toEqual([replayedB, replayedC]);
        expect(await transactionsOf(id(2))).toEqual([replayedB]);
        expect(await transactionsOf(id(3))).toHaveLength(2);
        expect(await runs.get(run.id)).toEqual(run);
    });

    it('changes nothing when run again over the same rows, and starts the next window where the last complete run ended', async () => {
        await dropped.create('re_reservation', id(2), reservation(2));
        now += 3_600_000;
        const first = await runSweep(deps(), { trigger: 'timer' });
        const sent = services.sent.length;
        now += 60_000;
        const again = await runSweep(deps(), { trigger: 'http', since: first.window.since });
        expect(again.totals).toMatchObject({ rowsRead: 1, replayed: 0, alreadyPresent: 1 });
        expect(services.sent.length).toBe(sent);
        now += 60_000;
        const next = await runSweep(deps(), { trigger: 'timer' });
        expect(next.window.since).toBe(again.window.until);
        expect(next.totals.rowsRead).toBe(0);
    });

    it('stops at its read budget as incomplete, and the next run sweeps the same window again', async () => {
        for (let n = 1; n <= 5; n++) await dropped.create('re_reservation', id(n), reservation(n));
        now += 60_000;
        const complete = await runSweep(deps(), { trigger: 'timer', since: '2026-11-10T07:00:00.000Z' });
        now += 60_000;
        for (let n = 6; n <= 10; n++) await dropped.create('re_reservation', id(n), reservation(n));
        now += 60_000;
        const cut = await runSweep(deps({ maxReads: 2 }), { trigger: 'timer' });
        expect(cut.status).toBe('incomplete');
        expect(cut.reads).toBe(2);
        expect(cut.window.since).toBe(complete.window.until);
        expect(cut.tables.find((t) => !t.complete)?.problem).toMatch(/read budget of 2 pages spent/);
        now += 60_000;
        const retried = await runSweep(deps(), { trigger: 'timer' });
        expect(retried.window.since).toBe(complete.window.until);
        expect(retried.status).toBe('complete');
        expect(retried.totals.replayed + cut.totals.replayed).toBe(5);
    });

    it('reports Dataverse not answering as a failed run, naming each table, and replays nothing', async () => {
        await dropped.create('re_reservation', id(2), reservation(2));
        await fetch(`${dataverse.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify({ down: true }) });
        now += 60_000;
        const run = await runSweep(deps(), { trigger: 'timer' });
        expect(run.status).toBe('failed');
        expect(run.failures).toHaveLength(Object.keys(testConfig.entityMap.entities).length);
        expect(run.failures[0]?.reason).toMatch(/^cannot read contact from Dataverse: /);
        expect(run.totals.replayed).toBe(0);
    });

    it('refuses a window that is empty, reversed or in the future, recording nothing', async () => {
        const refuse = (request: { since?: string; until?: string }) =>
            runSweep(deps(), { trigger: 'http', ...request }).catch((e: unknown) => e);
        expect(await refuse({ since: '2026-11-10T08:00:00Z', until: '2026-11-10T07:00:00Z' })).toBeInstanceOf(
            SweepWindowError,
        );
        expect(await refuse({ since: 'yesterday' })).toBeInstanceOf(SweepWindowError);
        expect(await refuse({ until: '2026-11-11T08:00:00Z' })).toBeInstanceOf(SweepWindowError);
        expect(await runs.list(10)).toEqual([]);
    });
});
