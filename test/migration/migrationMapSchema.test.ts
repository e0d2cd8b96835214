import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrationMap } from '../../src/migration/loadMigrationMap';

function withMap(edit: (map: { tables: Array<Record<string, unknown>> }) => void): () => unknown {
    const map = JSON.parse(readFileSync('config/migration-map.v1.json', 'utf8'));
    edit(map);
    const dir = mkdtempSync(join(tmpdir(), 'map-'));
    const path = join(dir, 'map.json');
    writeFileSync(path, JSON.stringify(map));
    return () => {
        try {
            return loadMigrationMap(path);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    };
}

describe('the migration map', () => {
    it('loads the shipped map: nine tables in load order, three clean dry runs before a load', () => {
        const { map } = loadMigrationMap('config/migration-map.v1.json');
        expect(map.tables.map((t) => t.id)).toEqual([
            'project',
            'building',
            'unit',
            'buyer',
            'broker',
            'reservation',
            'instalment',
            'receipt',
            'commission',
        ]);
        expect(map.minimumCleanDryRuns).toBe(3);
    });

    it('refuses a table that references one loaded after it, naming the path', () => {
        const load = withMap((map) => {
            const [project, building] = map.tables;
            map.tables[0] = building as Record<string, unknown>;
            map.tables[1] = project as Record<string, unknown>;
        });
        expect(load).toThrow(
            /'project' must be a table listed before 'building'[\s\S]*tables\[0\]\.fields\[2\]\.references/,
        );
    });

    it('refuses an unknown transformation and a choice without its labels', () => {
        expect(
            withMap((map) => {
                (
                    (map.tables[0] as { fields: Array<Record<string, unknown>> }).fields[0] as Record<string, unknown>
                ).transform = 'guess';
            }),
        ).toThrow(/tables\[0\]\.fields\[0\]\.transform/);
        expect(
            withMap((map) => {
                const field = (map.tables[2] as { fields: Array<Record<string, unknown>> }).fields[3] as Record<
                    string,
                    unknown
                >;
                delete field.choices;
            }),
        ).toThrow(/choice needs choices/);
    });
});
