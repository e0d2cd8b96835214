import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { preflightFindings } from '../../src/registration/preflight';
import type { TableDefinition } from '../../src/registration/registrationPort';

const map = loadConfigFile('config/entity-map.v1.json', entityMapSchema);

/** Every table the map names, with every column it names as a String and the map's own option values. */
function complete(): Map<string, TableDefinition | undefined> {
    const tables = new Map<string, TableDefinition>();
    const table = (name: string) => {
        let t = tables.get(name);
        if (!t) {
            t = { logicalName: name, columns: {}, options: {} };
            tables.set(name, t);
        }
        return t;
    };
    for (const [name, rule] of Object.entries(map.entities)) {
        const t = table(name);
        for (const owned of map.integrationOwnedColumns) t.columns[owned] = 'String';
        for (const f of rule.fields) {
            t.columns[f.source] = f.transform === 'choice' ? 'Picklist' : 'String';
            if (f.choices)
                t.options[f.source] = Object.entries(f.choices).map(([v, l]) => ({ value: Number(v), label: l }));
        }
        for (const r of rule.related) for (const c of Object.keys(r.columns)) table(r.entity).columns[c] = 'String';
    }
    return tables;
}

describe('pre-flight of the table definitions', () => {
    it('finds nothing when every table, column and option the map names exists', () => {
        expect(preflightFindings(map, complete())).toEqual([]);
    });

    it('reports a column the map reads as a choice that Dataverse has as another type', () => {
        const tables = complete();
        (tables.get('re_receipt') as TableDefinition).columns.re_method = 'String';
        expect(preflightFindings(map, tables)).toEqual([
            {
                severity: 'error',
                code: 'NOT_A_CHOICE_COLUMN',
                where: 're_receipt.re_method',
                message: 'column re_receipt.re_method is String; the map reads it as a choice',
            },
        ]);
    });

    it('reports a related column once although two tables read it, naming the first reader', () => {
        const tables = complete();
        delete (tables.get('re_reservation') as TableDefinition).columns.re_unitid;
        const found = preflightFindings(map, tables).map((f) => `${f.code} ${f.where}: ${f.message}`);
        expect(found).toEqual([
            'COLUMN_MISSING re_reservation.re_unitid: column re_reservation.re_unitid does not exist (mapped to unitId)',
        ]);
    });

    it('reports a missing table once, whatever reads it', () => {
        const tables = complete();
        tables.set('re_building', undefined);
        expect(preflightFindings(map, tables).map((f) => `${f.code} ${f.where}`)).toEqual([
            'TABLE_MISSING re_building',
        ]);
    });
});
