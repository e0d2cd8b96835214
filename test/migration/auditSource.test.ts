import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLegacyData, type LegacyDataSet } from '../../sim/legacyData/generateLegacyData';
import { writeLegacyData } from '../../sim/legacyData/writeLegacyData';
import { auditSource } from '../../src/migration/auditSource';
import { readLegacySource } from '../../src/migration/legacySource';
import { loadMigrationMap } from '../../src/migration/loadMigrationMap';
import { blockingFindings, type MigrationPlan, plannedTable } from '../../src/migration/migrationPlan';

const { map, text } = loadMigrationMap('config/migration-map.v1.json');
let dir: string;
let dirty: LegacyDataSet;
let plan: MigrationPlan;
let cleansedPlan: MigrationPlan;

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-'));
    dirty = generateLegacyData({ rows: 6000, seed: 7 });
    writeLegacyData(join(dir, 'dirty'), dirty);
    writeLegacyData(join(dir, 'cleansable'), generateLegacyData({ rows: 6000, seed: 7, defects: 'cleansable' }));
    plan = auditSource(readLegacySource(join(dir, 'dirty'), map, text), map);
    cleansedPlan = auditSource(readLegacySource(join(dir, 'cleansable'), map, text), map);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('auditSource on the generated dirty export', () => {
    it('finds every planted defect under its rule, naming its rows', () => {
        expect(new Set(dirty.manifest.defects.map((d) => d.rule)).size).toBe(8);
        expect(dirty.manifest.defects.length).toBeGreaterThan(15);
        for (const defect of dirty.manifest.defects) {
            const found = plan.findings.filter(
                (f) => f.rule === defect.rule && f.file === defect.file && defect.keys.every((k) => f.rows.includes(k)),
            );
            expect(found, `${defect.rule} ${defect.file} ${defect.keys.join(',')}`).not.toHaveLength(0);
        }
    });

    it('reports nothing that was not planted, and says which findings block the load', () => {
        const planted = new Set(dirty.manifest.defects.flatMap((d) => d.keys.map((k) => `${d.rule}:${k}`)));
        for (const finding of plan.findings) {
            for (const row of finding.rows) {
                // A merged duplicate lists the original too; every other row must have been planted.
                if (finding.rule === 'DUPLICATE_BUYER') continue;
                expect(planted.has(`${finding.rule}:${row}`), `${finding.rule} ${row}`).toBe(true);
            }
        }
        const blocking = new Set(blockingFindings(plan).map((f) => f.rule));
        expect(blocking).toEqual(
            new Set([
                'MISSING_REQUIRED',
                'ORPHAN_UNIT',
                'ORPHAN_INSTALMENT',
                'RECEIPT_EXCEEDS_PLAN',
                'TWO_ACTIVE_RESERVATIONS',
                'COMMISSION_OVER_100',
            ]),
        );
    });

    it('cleanses duplicates and naming drift without blocking: one buyer per person, units in the standard form', () => {
        expect(blockingFindings(cleansedPlan)).toEqual([]);
        const buyers = plannedTable(cleansedPlan, 'buyer');
        const duplicates = cleansedPlan.findings.filter((f) => f.rule === 'DUPLICATE_BUYER');
        expect(duplicates.length).toBeGreaterThan(0);
        expect(buyers.records.length).toBe(buyers.sourceRows - duplicates.reduce((s, f) => s + f.rows.length - 1, 0));
        const units = plannedTable(cleansedPlan, 'unit');
        for (const unit of units.records) expect(unit.key).toMatch(/^[A-Z]+\d*-T\d+-\d+$/);
        // Every reservation points to a unit and a buyer that will be loaded.
        for (const r of plannedTable(cleansedPlan, 'reservation').records) {
            expect(units.byKey.has(r.refs.re_unitid?.key ?? '')).toBe(true);
            expect(buyers.byKey.has(r.refs.re_buyerid?.key ?? '')).toBe(true);
        }
    });
});
