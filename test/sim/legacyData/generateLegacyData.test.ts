import { describe, expect, it } from 'vitest';
import { generateLegacyData } from '../../../sim/legacyData/generateLegacyData';

describe('generateLegacyData', () => {
    it('gives the same files for the same seed and different ones for another seed', () => {
        const a = generateLegacyData({ rows: 2000, seed: 7 });
        const b = generateLegacyData({ rows: 2000, seed: 7 });
        const c = generateLegacyData({ rows: 2000, seed: 8 });
        expect(b).toEqual(a);
        expect(c.files).not.toEqual(a.files);
    });

    it('produces about the rows asked for, over the nine legacy files', () => {
        const data = generateLegacyData({ rows: 5000, seed: 3 });
        expect(data.files.map((f) => f.name)).toEqual([
            'projects.csv',
            'buildings.csv',
            'units.csv',
            'buyers.csv',
            'brokers.csv',
            'reservations.csv',
            'payment_plans.csv',
            'receipts.csv',
            'commissions.csv',
        ]);
        expect(data.manifest.rows).toBeGreaterThan(4000);
        expect(data.manifest.rows).toBeLessThan(6500);
        for (const file of data.files) for (const row of file.rows) expect(row).toHaveLength(file.columns.length);
    });

    it('plants every kind of defect with all, only the cleansable ones with cleansable, none with none', () => {
        const rules = (level: 'all' | 'cleansable' | 'none') =>
            new Set(generateLegacyData({ rows: 5000, seed: 7, defects: level }).manifest.defects.map((d) => d.rule));
        expect([...rules('all')].sort()).toEqual([
            'COMMISSION_OVER_100',
            'DUPLICATE_BUYER',
            'MISSING_REQUIRED',
            'ORPHAN_INSTALMENT',
            'ORPHAN_UNIT',
            'RECEIPT_EXCEEDS_PLAN',
            'TWO_ACTIVE_RESERVATIONS',
            'UNIT_NAMING_DRIFT',
        ]);
        expect([...rules('cleansable')].sort()).toEqual(['DUPLICATE_BUYER', 'UNIT_NAMING_DRIFT']);
        expect(rules('none').size).toBe(0);
    });

    it('keeps the base data identical whatever defects are planted on top', () => {
        const clean = generateLegacyData({ rows: 3000, seed: 5, defects: 'none' });
        const dirty = generateLegacyData({ rows: 3000, seed: 5, defects: 'all' });
        const projects = (d: typeof clean) => d.files.find((f) => f.name === 'projects.csv')?.rows;
        expect(projects(dirty)).toEqual(projects(clean));
        const plans = (d: typeof clean) => d.files.find((f) => f.name === 'payment_plans.csv')?.rows ?? [];
        expect(plans(dirty).slice(0, plans(clean).length)).toEqual(plans(clean));
    });
});
