import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/configError';
import { loadConfigFile } from '../../src/config/configFile';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';

const defaultMapPath = 'config/entity-map.v1.json';

// biome-ignore lint/suspicious/noExplicitAny: the test edits the raw JSON document to break it on purpose.
function withMap(mutate: (map: Record<string, any>) => void): string {
    const map = JSON.parse(readFileSync(defaultMapPath, 'utf8'));
    mutate(map);
    const path = join(mkdtempSync(join(tmpdir(), 'map-')), 'map.json');
    writeFileSync(path, JSON.stringify(map));
    return path;
}

describe('entity map configuration', () => {
    it('loads the default map with every table of the reference schema that carries a transaction', () => {
        const map = loadConfigFile(defaultMapPath, entityMapSchema);
        expect(map.version).toBe('1.0.0');
        expect(Object.keys(map.entities).sort()).toEqual([
            'contact',
            're_commission',
            're_constructionprogress',
            're_installment',
            're_receipt',
            're_reservation',
            're_unit',
        ]);
        expect(
            Object.values(map.entities)
                .map((e) => e.transactionType)
                .sort(),
        ).toEqual([
            'commission',
            'constructionProgress',
            'customer',
            'instalment',
            'receipt',
            'reservation',
            'unitStatus',
        ]);
    });

    it('rejects a choice field without a choices table, naming the path', () => {
        const path = withMap((m) => {
            delete m.entities.re_reservation.fields[7].choices;
        });
        expect(() => loadConfigFile(path, entityMapSchema)).toThrow(ConfigError);
        expect(() => loadConfigFile(path, entityMapSchema)).toThrow(/entities\.re_reservation\.fields\[7\]\.choices/);
    });

    it('rejects a session field the map never produces', () => {
        const path = withMap((m) => {
            m.entities.re_receipt.session.field = 'floorId';
        });
        expect(() => loadConfigFile(path, entityMapSchema)).toThrow(
            /session field "floorId" is not produced by the map/,
        );
    });

    it("names each table's data owner (bad rows go to them), defaults to the integration team, refuses an unknown team", () => {
        const map = loadConfigFile(defaultMapPath, entityMapSchema);
        expect(Object.fromEntries(Object.entries(map.entities).map(([t, r]) => [t, r.dataOwner]))).toEqual({
            contact: 'salesOperations',
            re_reservation: 'salesOperations',
            re_installment: 'finance',
            re_receipt: 'finance',
            re_commission: 'salesOperations',
            re_constructionprogress: 'project',
            re_unit: 'salesOperations',
        });
        const unset = withMap((m) => {
            delete m.entities.re_receipt.dataOwner;
        });
        expect(loadConfigFile(unset, entityMapSchema).entities.re_receipt?.dataOwner).toBe('integration');
        const unknown = withMap((m) => {
            m.entities.re_receipt.dataOwner = 'treasury';
        });
        expect(() => loadConfigFile(unknown, entityMapSchema)).toThrow(/entities\.re_receipt\.dataOwner/);
    });

    it('rejects unknown keys so a typo in a reviewed document cannot pass silently', () => {
        const path = withMap((m) => {
            m.entities.contact.fields[0].requried = true;
        });
        expect(() => loadConfigFile(path, entityMapSchema)).toThrow(/requried/);
    });

    it('names the file when it is not JSON', () => {
        const path = join(mkdtempSync(join(tmpdir(), 'map-')), 'broken.json');
        writeFileSync(path, '{ "version": ');
        expect(() => loadConfigFile(path, entityMapSchema)).toThrow(`${path}: cannot read JSON`);
    });
});
