import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../src/adapters/memory/memoryBlobStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { getBackup, listBackups } from '../../src/backup/backupCatalog';
import { type BackupTable, referenceBackupTables } from '../../src/backup/backupPlan';
import type { BackupRun } from '../../src/backup/backupRun';
import { type BackupDeps, runBackup } from '../../src/backup/runBackup';
import { CrmThrottledError, CrmUnavailableError } from '../../src/ports/crmErrors';
import type { LogFields } from '../../src/ports/logger';
import type { MailMessage } from '../../src/ports/notifier';
import { envelope } from '../contract/transactionStore.contract';
import { anyState } from '../support/anyState';
import { FakeTableReader } from './fakeTableReader';

const units: BackupTable = referenceBackupTables.find((t) => t.entity === 're_unit') as BackupTable;
const contacts: BackupTable = referenceBackupTables.find((t) => t.entity === 'contact') as BackupTable;
const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const contactRows = Array.from({ length: 7 }, (_, i) => ({
    contactid: guid(100 + i),
    fullname: `Buyer ${i}, "Jr."`,
    emailaddress1: `buyer${i}@mail.example`,
    mobilephone: `+97150000000${i}`,
    re_nationalid: `784-1990-000000${i}`,
    statecode: 0,
    ownerid: null,
    createdon: '2026-11-01T08:00:00.000Z',
    versionnumber: 1000 + i,
}));
const unitRows = Array.from({ length: 5 }, (_, i) => ({
    re_unitid: guid(200 + i),
    re_code: `MARINA-T1-${1201 + i}`,
    re_floor: 12,
    re_status: 100000000 + (i % 2),
    re_listprice: 1_250_000.5,
    re_buildingid: { logicalName: 're_building', id: guid(1), name: 'Tower 1' },
    re_ownerid: i === 0 ? { logicalName: 'contact', id: guid(100), name: 'Buyer 0, "Jr."' } : null,
}));

function world(options: { tables?: BackupTable[]; pageSize?: number } = {}) {
    const reader = new FakeTableReader({
        contact: FakeTableReader.rows(contactRows, { statecode: 'State' }),
        re_unit: FakeTableReader.rows(unitRows, { re_status: 'Status' }),
    });
    const files = new MemoryBlobStore('crm-backups');
    const store = new MemoryTransactionStore();
    const mails: MailMessage[] = [];
    const logs: Array<{ message: string; fields?: LogFields }> = [];
    const slept: number[] = [];
    let tick = 0;
    const log = (message: string, fields?: LogFields) => void logs.push({ message, ...(fields ? { fields } : {}) });
    const deps: BackupDeps = {
        reader,
        store,
        files,
        notifier: { sendMail: async (m) => void mails.push(m), postToChannel: async () => ({ messageId: 'm' }) },
        clock: { now: () => new Date(Date.UTC(2026, 10, 29, 2, 0, tick++)) },
        random: () => 0.5,
        logger: { info: log, warn: log, error: log },
        options: {
            pageSize: options.pageSize ?? 3,
            maxPageAttempts: 3,
            alertTo: ['integration-team@contoso.example'],
            tables: options.tables ?? [contacts, units],
        },
        sleep: async (ms) => void slept.push(ms),
    };
    return { reader, files, store, mails, logs, slept, deps };
}

const text = async (files: MemoryBlobStore, path: string) => {
    const t = await files.read(path);
    if (t === undefined) throw new Error(`no file ${path}`);
    return t;
};
const csvRows = async (files: MemoryBlobStore, path: string) =>
    parse(await text(files, path), { columns: true, bom: true }) as Record<string, string>[];

describe('runBackup', () => {
    it('exports each table in pages to CSV and JSON that read back to the source rows, and records it complete', async () => {
        const w = world();
        const run = await runBackup(w.deps, { trigger: 'timer' });

        expect(run.status).toBe('complete');
        expect(run.id).toBe('2026-11-29T02-00-00Z-7fffff');
        expect(run.tables.map((t) => [t.file, t.expected, t.exported, t.complete])).toEqual([
            ['contacts', 7, 7, true],
            ['units', 5, 5, true],
            ['pipeline-state', 0, 0, true],
        ]);
        // Pages of 3: 7 contacts take three requests, and only the first asks for the count.
        expect(w.reader.requests.filter((r) => r.entity === 'contact').map((r) => r.count)).toEqual([
            true,
            false,
            false,
        ]);

        const contactCsv = await csvRows(w.files, `${run.id}/contacts.csv`);
        expect(
            contactCsv.map((r) => [r.contactid, r.fullname, r.emailaddress1, r.re_nationalid, r.statecode_label]),
        ).toEqual(contactRows.map((c) => [c.contactid, c.fullname, c.emailaddress1, c.re_nationalid, 'State 0']));
        const unitCsv = await csvRows(w.files, `${run.id}/units.csv`);
        expect(unitCsv[0]).toMatchObject({
            re_code: 'MARINA-T1-1201',
            re_floor: '12',
            re_status: '100000000',
            re_status_label: 'Status 100000000',
            re_listprice: '1250000.5',
            re_buildingid: guid(1),
            re_buildingid_name: 'Tower 1',
            re_ownerid: guid(100),
            re_ownerid_name: 'Buyer 0, "Jr."',
        });
        expect(unitCsv[1]).toMatchObject({ re_ownerid: '', re_ownerid_name: '' });

        const unitJson = JSON.parse(await text(w.files, `${run.id}/units.json`));
        expect(unitJson.rows).toEqual(unitRows);
        expect(unitJson.choices).toEqual({
            re_status: { '100000000': 'Status 100000000', '100000001': 'Status 100000001' },
        });
        expect(JSON.parse(await text(w.files, `${run.id}/contacts.json`)).rows).toEqual(contactRows);
        expect(w.mails).toEqual([]);
    });

    it('records each file with its rows, size and SHA-256, in a manifest next to the files', async () => {
        const w = world();
        const run = await runBackup(w.deps, { trigger: 'http', requestedBy: 'ops@contoso.example' });
        const manifest = JSON.parse(await text(w.files, `${run.id}/manifest.json`)) as BackupRun;
        expect(manifest).toEqual(run);
        expect(manifest.requestedBy).toBe('ops@contoso.example');
        const units = manifest.tables.find((t) => t.file === 'units');
        for (const file of units?.files ?? []) {
            const content = await text(w.files, file.path);
            expect(file.bytes).toBe(Buffer.byteLength(content));
            expect(file.sha256).toBe(createHash('sha256').update(content).digest('hex'));
            expect(file.rows).toBe(5);
        }
        expect(units?.files.map((f) => f.path)).toEqual([`${run.id}/units.csv`, `${run.id}/units.json`]);
    });

    it('writes the header and an empty JSON array for an empty table, and calls that complete', async () => {
        const empty = referenceBackupTables.find((t) => t.entity === 're_receipt') as BackupTable;
        const w = world({ tables: [empty] });
        const run = await runBackup(w.deps, { trigger: 'timer' });
        expect(run.tables[0]).toMatchObject({ expected: 0, exported: 0, complete: true });
        expect((await text(w.files, `${run.id}/receipts.csv`)).trimEnd()).toBe(
            '\uFEFFre_receiptid,re_name,re_reservationid,re_reservationid_name,re_amount,re_receivedon,re_method,re_method_label,statecode,statecode_label,ownerid,ownerid_name,re_erppostingid,re_erpsyncstatus,re_erpsyncerror,re_erpsyncedon,createdon,modifiedon,versionnumber',
        );
        expect(JSON.parse(await text(w.files, `${run.id}/receipts.json`))).toMatchObject({ rows: [], choices: {} });
    });

    it('calls a table incomplete when fewer rows arrive than Dataverse counted, and alerts without personal data', async () => {
        const w = world();
        w.reader.countSkew = { contact: [2, 2] };
        const run = await runBackup(w.deps, { trigger: 'timer' });

        expect(run.status).toBe('incomplete');
        const contactsResult = run.tables.find((t) => t.file === 'contacts');
        expect(contactsResult).toMatchObject({ expected: 9, expectedAtEnd: 9, exported: 7, complete: false });
        expect(contactsResult?.problem).toBe('exported 7 rows, the source counted 9 at the start (9 at the end)');
        expect(run.alert).toEqual({ sent: true });
        expect(w.mails).toHaveLength(1);
        expect(w.mails[0]?.to).toEqual(['integration-team@contoso.example']);
        expect(w.mails[0]?.subject).toBe(`CRM backup incomplete: ${run.id}`);
        expect(w.mails[0]?.html).toContain('exported 7 rows');
        const everything = JSON.stringify({ mails: w.mails, logs: w.logs });
        for (const c of contactRows) {
            for (const personal of [c.fullname, c.emailaddress1, c.mobilephone, c.re_nationalid]) {
                expect(everything).not.toContain(personal);
            }
        }
    });

    it('does not alarm when the table changed during the export and the count at the end matches', async () => {
        const w = world();
        w.reader.countSkew = { contact: [1, 0] };
        const run = await runBackup(w.deps, { trigger: 'timer' });
        expect(run.status).toBe('complete');
        expect(run.tables[0]).toMatchObject({ expected: 8, expectedAtEnd: 7, exported: 7, complete: true });
    });

    it('calls a table incomplete when paging served a row twice, even though the total matches', async () => {
        const w = world();
        w.reader.repeatRow.add('re_unit');
        w.reader.countSkew = { re_unit: [1] };
        const run = await runBackup(w.deps, { trigger: 'timer' });
        const u = run.tables.find((t) => t.file === 'units');
        expect(u).toMatchObject({ exported: 6, distinctIds: 5, complete: false });
        expect(u?.problem).toBe('1 of 6 rows were read more than once');
        expect(run.status).toBe('incomplete');
    });

    it('checks a capped count as a lower bound', async () => {
        const w = world();
        w.reader.countCapped.add('contact');
        w.reader.countSkew = { contact: [-2] };
        const run = await runBackup(w.deps, { trigger: 'timer' });
        expect(run.tables[0]).toMatchObject({ expected: 5, countCapped: true, exported: 7, complete: true });
    });

    it("waits out Dataverse's Retry-After on a throttled page and carries on", async () => {
        const w = world();
        w.reader.failures.contact = [new CrmThrottledError('GET contacts answered 429', 7000)];
        const run = await runBackup(w.deps, { trigger: 'timer' });
        expect(run.status).toBe('complete');
        expect(w.slept).toEqual([7000]);
    });

    it('fails a table Dataverse cannot serve, keeps no partial files of it, exports the others and alerts', async () => {
        const w = world();
        w.reader.failures = {
            contact: [1, 2, 3].map(() => new CrmUnavailableError('GET contacts (page) answered 503')),
        };
        const run = await runBackup(w.deps, { trigger: 'timer' });

        expect(run.status).toBe('failed');
        expect(w.slept).toEqual([1000, 2000]);
        expect(run.failures).toEqual([
            { code: 'CRM_UNAVAILABLE', message: 'contacts: GET contacts (page) answered 503', owner: 'integration' },
        ]);
        expect(run.tables.map((t) => [t.file, t.complete])).toEqual([
            ['contacts', false],
            ['units', true],
            ['pipeline-state', true],
        ]);
        expect(await w.files.list(`${run.id}/contacts`)).toEqual([]);
        expect(await w.files.read(`${run.id}/units.csv`)).toBeDefined();
        expect(w.mails[0]?.subject).toBe(`CRM backup failed: ${run.id}`);
        expect(w.mails[0]?.html).toContain('CRM_UNAVAILABLE');
    });

    it('records the run failed and says why when Blob Storage refuses the files', async () => {
        const w = world();
        w.files.failWrites = true;
        const run = await runBackup(w.deps, { trigger: 'timer' });
        expect(run.status).toBe('failed');
        expect(run.failures[0]?.code).toBe('BACKUP_STORAGE_FAILED');
        expect(run.alert).toEqual({ sent: true });
    });

    it('records that the alert could not be sent instead of losing the run', async () => {
        const w = world();
        w.reader.countSkew = { re_unit: [1, 1] };
        w.deps.notifier.sendMail = async () => {
            throw new Error('Graph answered 503');
        };
        const run = await runBackup(w.deps, { trigger: 'timer' });
        expect(run.status).toBe('incomplete');
        expect(run.alert).toEqual({ sent: false, error: 'Graph answered 503' });
        expect(JSON.parse(await text(w.files, `${run.id}/manifest.json`)).alert).toEqual(run.alert);
    });

    it('exports the pipeline state: every transaction once, with its state, posting id and failure', async () => {
        const w = world({ tables: [] });
        const parked = envelope();
        const confirmed = envelope();
        await w.store.recordAccepted(parked, '2026-11-02T09:00:00.000Z');
        await w.store.recordAccepted(confirmed, '2026-11-02T09:00:00.000Z');
        await w.store.updateState(
            parked.transactionId,
            {
                from: anyState,
                state: 'parked',
                lastFailure: {
                    class: 'blocked',
                    code: 'ERP_PERIOD_FROZEN',
                    message: 'period 2026-11 is frozen',
                    owner: 'finance',
                    condition: 'period 2026-11 frozen',
                },
            },
            '2026-11-02T09:01:00.000Z',
        );
        await w.store.updateState(
            confirmed.transactionId,
            { from: anyState, state: 'confirmed', erpPostingId: 'ERP-42' },
            '2026-11-02T09:02:00.000Z',
        );
        const run = await runBackup(w.deps, { trigger: 'timer' });
        expect(run.tables).toMatchObject([{ file: 'pipeline-state', exported: 2, complete: true }]);
        const rows = await csvRows(w.files, `${run.id}/pipeline-state.csv`);
        expect(rows.map((r) => [r.transactionId, r.state, r.erpPostingId, r.failureOwner, r.condition])).toEqual([
            [parked.transactionId, 'parked', '', 'finance', 'period 2026-11 frozen'],
            [confirmed.transactionId, 'confirmed', 'ERP-42', '', ''],
        ]);
        const json = JSON.parse(await text(w.files, `${run.id}/pipeline-state.json`));
        expect(json.rows.map((r: { envelope: { data: unknown } }) => r.envelope.data)).toEqual([
            parked.data,
            confirmed.data,
        ]);
        expect(json.byState).toMatchObject({ parked: 1, confirmed: 1, queued: 0 });
    });
});

describe('the backup catalogue', () => {
    it('lists past runs newest first with their outcome, and gives one with its files and counts', async () => {
        const w = world();
        const first = await runBackup(w.deps, { trigger: 'timer' });
        w.reader.countSkew = { contact: [1, 1] };
        const second = await runBackup({ ...w.deps, random: () => 0.25 }, { trigger: 'http' });

        const list = await listBackups(w.files, 10, new Date('2026-11-29T03:00:00Z'));
        expect(list.map((r) => [r.id, r.status, r.incompleteTables])).toEqual([
            [second.id, 'incomplete', ['contacts']],
            [first.id, 'complete', []],
        ]);
        expect(list[1]?.rows).toBe(12);
        expect(await listBackups(w.files, 1, new Date('2026-11-29T03:00:00Z'))).toHaveLength(1);
        expect(list.some((r) => r.abandoned)).toBe(false);
        expect(await getBackup(w.files, first.id)).toEqual(first);
        expect(await getBackup(w.files, '2020-01-01T00-00-00Z-000000')).toBeUndefined();
        expect(await getBackup(w.files, '../secrets')).toBeUndefined();
    });

    it('marks a run still running hours after it started as abandoned (cut off by a timeout or a crash)', async () => {
        const w = world();
        const manifest = { id: '2026-11-29T02-00-00Z-0a0b0c', trigger: 'timer', startedAt: '2026-11-29T02:00:00.000Z' };
        await w.files.put(
            `${manifest.id}/manifest.json`,
            'application/json',
            JSON.stringify({ ...manifest, status: 'running', container: 'c', tables: [], failures: [] }),
        );
        expect((await listBackups(w.files, 5, new Date('2026-11-29T03:00:00Z')))[0]?.abandoned).toBeUndefined();
        expect((await listBackups(w.files, 5, new Date('2026-11-29T09:00:00Z')))[0]?.abandoned).toBe(true);
    });

    it('reports a table incomplete when the recount fails, instead of failing it', async () => {
        const w = world({ tables: [contacts] });
        w.reader.countSkew = { contact: [1] };
        const reader = w.reader;
        let calls = 0;
        w.deps.reader = {
            readPage: async (entity, request) => {
                calls++;
                if (calls === 4) throw new Error('recount refused');
                return reader.readPage(entity, request);
            },
        };
        const run = await runBackup(w.deps, { trigger: 'timer' });
        expect(calls).toBe(4);
        expect(run.tables[0]).toMatchObject({ file: 'contacts', expected: 8, exported: 7, complete: false });
        expect(run.tables[0]?.files).toHaveLength(2);
        expect(run.failures).toEqual([]);
    });
});
