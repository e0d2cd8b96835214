import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCrash } from '../../src/migration/applyMigration';
import { ApplyRefusedError, apply, dryRun, signOff } from '../../src/migration/runMigration';
import {
    dataverseSnapshot,
    legacyFolder,
    type MigrationWorld,
    mapPath,
    migratedTables,
    startMigrationWorld,
} from './migrationWorld';

const now = () => new Date('2026-11-30T10:00:00.000Z');
const rows = 800;
const folders: Array<{ remove(): void }> = [];
const worlds: MigrationWorld[] = [];

async function world(): Promise<MigrationWorld> {
    const w = await startMigrationWorld();
    worlds.push(w);
    return w;
}

function folder(defects: 'all' | 'cleansable') {
    const f = legacyFolder({ rows, seed: 11, defects });
    folders.push(f);
    return f;
}

/** The required dry runs and a sign-off of the last one. */
function rehearse(f: { source: string; state: string }): void {
    for (let i = 0; i < 3; i++)
        expect(dryRun({ source: f.source, mapPath, stateDir: f.state, now }).report.clean).toBe(true);
    signOff(f.state, 3, 'Dana Finance', 'finance controller', now());
}

function ledgerSummary(w: MigrationWorld) {
    const postings = w.erp.ledger.postings;
    return {
        count: postings.length,
        keys: new Set(postings.map((p) => p.idempotencyKey)).size,
        // A customer's reference is its Dataverse id, which differs between two loads; the rest are business keys.
        references: postings.map((p) => (p.type === 'customers' ? 'customers' : `${p.type}:${p.reference}`)).sort(),
    };
}

const runOptions = (f: { source: string; state: string }) => ({
    source: f.source,
    mapPath,
    stateDir: f.state,
    now,
    concurrency: 4,
});

afterAll(async () => {
    for (const w of worlds) await w.close();
    for (const f of folders) f.remove();
});

describe('migration dry runs and the gate in front of the load', () => {
    let w: MigrationWorld;
    beforeAll(async () => {
        w = await world();
    });

    it('numbers dry runs, writes dated reports, and writes nothing to Dataverse or the ERP', () => {
        const f = folder('all');
        const first = dryRun({ source: f.source, mapPath, stateDir: f.state, now });
        const second = dryRun({ source: f.source, mapPath, stateDir: f.state, now });
        expect([first.report.number, second.report.number]).toEqual([1, 2]);
        expect(first.files.json).toMatch(/dry-run-001-20261130T100000Z\.json$/);
        expect(existsSync(first.files.markdown)).toBe(true);
        expect(readFileSync(first.files.markdown, 'utf8')).toContain('## Totals per project (for sign-off)');
        expect(first.report.clean).toBe(false);
        for (const entity of migratedTables) expect(w.dataverse.records.list(entity)).toEqual([]);
        expect(w.dataverse.records.writes).toEqual([]);
        expect(w.erp.ledger.postings).toEqual([]);
        expect(w.erp.calls.total).toBe(0);
    });

    it('refuses to apply a source with blocking findings, too few clean dry runs, no sign-off or a changed report', async () => {
        const dirty = folder('all');
        for (let i = 0; i < 3; i++) dryRun({ source: dirty.source, mapPath, stateDir: dirty.state, now });
        await expect(apply(w.ports, runOptions(dirty))).rejects.toThrow(/blocking findings/);
        expect(() => signOff(dirty.state, 3, 'Dana', undefined)).toThrow(ApplyRefusedError);

        const f = folder('cleansable');
        dryRun({ source: f.source, mapPath, stateDir: f.state, now });
        dryRun({ source: f.source, mapPath, stateDir: f.state, now });
        await expect(apply(w.ports, runOptions(f))).rejects.toThrow(/has 2 clean dry run\(s\); 3 are required/);
        dryRun({ source: f.source, mapPath, stateDir: f.state, now });
        await expect(apply(w.ports, runOptions(f))).rejects.toThrow(/no sign-off file/);
        signOff(f.state, 2, 'Dana Finance', undefined, now());
        const report = join(
            f.state,
            'reports',
            readFileSync(join(f.state, 'runs.json'), 'utf8').match(/dry-run-002[^"]*\.json/)?.[0] ?? '',
        );
        writeFileSync(report, readFileSync(report, 'utf8').replace('"clean":true', '"clean":true '));
        await expect(apply(w.ports, runOptions(f))).rejects.toThrow(/changed after it was signed off/);
        // A corrected source is a new content hash: its earlier dry runs do not count.
        writeFileSync(
            join(f.source, 'projects.csv'),
            `${readFileSync(join(f.source, 'projects.csv'), 'utf8')}`.replace('AED', 'aed'),
        );
        signOff(f.state, 3, 'Dana Finance', undefined, now());
        await expect(apply(w.ports, runOptions(f))).rejects.toThrow(/has 0 clean dry run/);
        expect(w.dataverse.records.writes).toEqual([]);
        expect(w.erp.ledger.postings).toEqual([]);
    });
});

describe('migration apply', () => {
    let once: MigrationWorld;
    let onceSnapshot: Record<string, unknown[]>;

    it('loads everything once after the dry runs and sign-off, verifies it, and a second apply changes nothing', async () => {
        once = await world();
        const f = folder('cleansable');
        rehearse(f);
        const { apply: result, verify } = await apply(once.ports, runOptions(f));
        expect(verify.differences).toEqual([]);
        expect(verify.ok).toBe(true);
        expect(verify.totals.dataverse).toEqual(verify.totals.source);
        expect(verify.totals.erp).toEqual({
            invoiced: verify.totals.source.planned,
            allocated: verify.totals.source.received,
        });
        const report = dryRun({ source: f.source, mapPath, stateDir: f.state, now }).report;
        for (const c of report.counts) {
            const entity = c.target;
            expect(once.dataverse.records.list(entity), entity).toHaveLength(c.toLoad);
            expect(result.loaded[c.table]).toBe(c.toLoad);
        }
        const ledger = ledgerSummary(once);
        const posting = report.counts.filter((c) =>
            ['buyer', 'reservation', 'instalment', 'receipt', 'commission'].includes(c.table),
        );
        const rowsPosted = posting.reduce((s, c) => s + c.toLoad, 0);
        const cancelled = once.dataverse.records.list('re_reservation').filter((r) => r.re_status === 100000001);
        expect(cancelled.length).toBeGreaterThan(0);
        // One posting per row, plus the cancellation re-sent after the plans to close their invoices.
        expect(ledger.count).toBe(rowsPosted + cancelled.length);
        expect(ledger.keys).toBe(ledger.count);
        expect(new Set(once.erp.ledger.postings.map((p) => `${p.type}:${p.reference}`)).size).toBe(rowsPosted);
        const cancelledNumbers = new Set(cancelled.map((r) => r.re_name));
        const invoices = once.erp.ledger.invoices.filter((i) => cancelledNumbers.has(i.reservationNumber));
        expect(invoices.length).toBeGreaterThan(0);
        expect(invoices.filter((i) => i.status === 'open')).toEqual([]);
        onceSnapshot = dataverseSnapshot(once.dataverse);
        const versions = once.dataverse.records.list('re_unit').map((r) => r.versionnumber);

        const again = await apply(once.ports, runOptions(f));
        expect(Object.values(again.apply.loaded).reduce((a, b) => a + b, 0)).toBe(0);
        expect(again.verify.ok).toBe(true);
        expect(ledgerSummary(once)).toEqual(ledger);
        expect(once.dataverse.records.list('re_unit').map((r) => r.versionnumber)).toEqual(versions);
        expect(dataverseSnapshot(once.dataverse)).toEqual(onceSnapshot);
    }, 120_000);

    it('an apply interrupted midway and resumed ends identical to one uninterrupted apply', async () => {
        const w = await world();
        const f = folder('cleansable');
        rehearse(f);
        await expect(apply(w.ports, { ...runOptions(f), crashAfterRows: 400 })).rejects.toBeInstanceOf(SimulatedCrash);
        const partial = w.dataverse.records.list('re_installment').length;
        expect(partial).toBeGreaterThan(0);
        const checkpoint = readFileSync(
            join(f.state, readdirSync(f.state).find((n) => n.startsWith('checkpoint-')) ?? ''),
            'utf8',
        );
        expect(checkpoint).not.toContain('completedAt');

        const resumed = await apply(w.ports, runOptions(f));
        expect(Object.values(resumed.apply.skipped).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
        expect(resumed.verify.ok).toBe(true);
        expect(dataverseSnapshot(w.dataverse)).toEqual(onceSnapshot);
        const ledger = ledgerSummary(w);
        expect(ledger.keys).toBe(ledger.count);
        expect(ledger.references).toEqual(ledgerSummary(once).references);
    }, 120_000);
});
