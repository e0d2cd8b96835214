import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/localRuntime';
import { runSampleLaunch } from '../../local/sampleLaunch';
import { DataverseWebhookEmitter } from '../../sandbox/dataverse/dataverseWebhookEmitter';
import { type BackupTable, referenceBackupTables } from '../../src/backup/backupPlan';
import type { BackupRun } from '../../src/backup/backupRun';
import { isEntityRef, type NormalizedAttributes, type NormalizedValue } from '../../src/dataverse/normalizedEvent';
import { localTestSettings } from '../support/localTestSettings';

/**
 * The check of issue 8.3: the sample launch on the local runtime (sandbox Dataverse, Azurite), a backup run on
 * demand through the HTTP function, and every file read back from Azurite with the real Blob client, parsed (CSV
 * and JSON) and compared with the rows the sandbox Dataverse holds.
 */
let runtime: LocalRuntime;
let stateDir: string;
let run: BackupRun;
let container: ContainerClient;

beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'backup-e2e-'));
    const settings = localTestSettings(stateDir, {
        BACKUP_PAGE_SIZE: '4',
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
        now: new Date('2026-11-10T09:00:00Z'),
        waitForQueue: () => runtime.pump.idle(),
    });
    await runtime.pump.idle();
    const res = await api('/api/backups', { method: 'POST', body: JSON.stringify({ by: 'test@contoso.example' }) });
    expect(res.status).toBe(201);
    run = (await res.json()) as BackupRun;
    container = new ContainerClient(runtime.azurite.connectionString, 'crm-backups');
}, 180_000);

afterAll(async () => {
    await runtime?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) =>
    fetch(`${runtime.host.url}${path}`, {
        ...init,
        headers: { 'x-functions-key': runtime.functionKey, ...(init.headers ?? {}) },
    });

async function blobText(path: string): Promise<string> {
    return (await container.getBlockBlobClient(path).downloadToBuffer()).toString('utf8');
}

/** The Web API gives DateTimes to the second; compare at that precision. */
function comparable(v: NormalizedValue | undefined): NormalizedValue {
    if (v === undefined || v === null) return null;
    if (isEntityRef(v)) return v.id;
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v))
        return new Date(Date.parse(v)).toISOString().slice(0, 19);
    return v;
}

function sourceRows(table: BackupTable): NormalizedAttributes[] {
    return runtime.dataverse.records.list(table.entity);
}

describe('backup export of the sample launch (local runtime, Azurite, sandbox Dataverse)', () => {
    it('is complete: every table counted by Dataverse was written in full, and nothing alerted', () => {
        expect(run.status).toBe('complete');
        expect(run.failures).toEqual([]);
        for (const table of referenceBackupTables) {
            const result = run.tables.find((t) => t.file === table.file);
            expect(result, table.file).toMatchObject({ expected: sourceRows(table).length, complete: true });
            expect(result?.exported).toBe(sourceRows(table).length);
        }
        // The sample holds something in every business table, so the check is not vacuous.
        for (const file of [
            'contacts',
            'units',
            'reservations',
            'payment-plan-instalments',
            'receipts',
            'commission-claims',
        ]) {
            expect(run.tables.find((t) => t.file === file)?.exported, file).toBeGreaterThan(0);
        }
        expect(runtime.graph.mailbox.filter((m) => m.subject?.startsWith('CRM backup'))).toEqual([]);
    });

    it('wrote JSON that parses back to the rows Dataverse holds, column for column', async () => {
        for (const table of referenceBackupTables) {
            const json = JSON.parse(await blobText(`${run.id}/${table.file}.json`)) as { rows: NormalizedAttributes[] };
            const byId = new Map(json.rows.map((r) => [String(r[table.primaryKey]), r]));
            expect(byId.size, table.file).toBe(sourceRows(table).length);
            for (const source of sourceRows(table)) {
                const exported = byId.get(String(source[table.primaryKey]));
                for (const column of table.columns) {
                    expect(comparable(exported?.[column.name]), `${table.file}.${column.name}`).toEqual(
                        comparable(source[column.name]),
                    );
                }
            }
        }
    });

    it('wrote CSV that parses back to the same rows, with readable labels and names', async () => {
        for (const table of referenceBackupTables) {
            const rows = parse(await blobText(`${run.id}/${table.file}.csv`), { columns: true, bom: true }) as Record<
                string,
                string
            >[];
            const byId = new Map(rows.map((r) => [r[table.primaryKey], r]));
            expect(byId.size, table.file).toBe(sourceRows(table).length);
            for (const source of sourceRows(table)) {
                const exported = byId.get(String(source[table.primaryKey]));
                for (const column of table.columns) {
                    const expected = comparable(source[column.name]);
                    const actual = exported?.[column.name] ?? '';
                    const asRead = /^\d{4}-\d{2}-\d{2}T/.test(actual) ? actual.slice(0, 19) : actual;
                    expect(asRead, `${table.file}.${column.name}`).toBe(expected === null ? '' : String(expected));
                }
            }
        }
        const units = parse(await blobText(`${run.id}/units.csv`), { columns: true, bom: true }) as Record<
            string,
            string
        >[];
        expect(units.every((u) => u.re_buildingid_name?.startsWith('Marina Heights Tower 3'))).toBe(true);
        expect(new Set(units.map((u) => u.re_status_label))).toContain('Reserved');
    });

    it('wrote the pipeline state: every transaction the store holds, once, in its state', async () => {
        const rows = parse(await blobText(`${run.id}/pipeline-state.csv`), { columns: true, bom: true }) as Record<
            string,
            string
        >[];
        expect(rows.length).toBeGreaterThan(0);
        expect(new Set(rows.map((r) => r.transactionId)).size).toBe(rows.length);
        const confirmed = await runtime.services.store.listByState('confirmed', 10_000);
        const exportedConfirmed = rows.filter((r) => r.state === 'confirmed').map((r) => r.transactionId);
        expect(exportedConfirmed.sort()).toEqual(confirmed.map((r) => r.envelope.transactionId).sort());
        expect(rows.filter((r) => r.state === 'confirmed').every((r) => r.erpPostingId !== '')).toBe(true);
    });

    it('lists the run and gives it back with its files, in a private container', async () => {
        const list = await api('/api/backups');
        expect(list.status).toBe(200);
        const { backups } = (await list.json()) as { backups: Array<{ id: string; status: string }> };
        expect(backups[0]).toMatchObject({ id: run.id, status: 'complete' });
        const one = await api(`/api/backups/${run.id}`);
        const record = (await one.json()) as BackupRun;
        expect(record.tables.flatMap((t) => t.files.map((f) => f.path))).toContain(`${run.id}/contacts.csv`);
        expect(record.requestedBy).toBe('test@contoso.example');
        expect((await container.getAccessPolicy()).blobPublicAccess).toBeUndefined();
        // Locally nobody signs in (CONSOLE_AUTH=none), but a page of another site still cannot start a backup.
        const forged = await fetch(`${runtime.host.url}/api/backups`, {
            method: 'POST',
            headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
            body: '{}',
        });
        expect(forged.status).toBe(403);
        const after = (await (await api('/api/backups')).json()) as { backups: unknown[] };
        expect(after.backups).toHaveLength(backups.length);
    });
});
