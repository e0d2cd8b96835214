import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { authValue, desiredRegistration, stepName } from '../../src/registration/desiredRegistration';

const map = loadConfigFile('config/entity-map.v1.json', entityMapSchema);
const desired = desiredRegistration(map, {
    url: 'https://app.example/api/dataverse/events',
    auth: { type: 'webhookKey' },
});
const step = (message: string, table: string) => {
    const found = desired.steps.find((s) => s.message === message && s.table === table);
    if (!found) throw new Error(`no ${message} step for ${table}`);
    return found;
};

describe('desired registration from the entity map', () => {
    it('is one asynchronous PostOperation step per mapped table and message, Delete only where the map propagates it', () => {
        expect(desired.steps.map((s) => s.name)).toEqual(
            Object.entries(map.entities).flatMap(([table, rule]) =>
                rule.messages
                    .filter((m) => m !== 'Delete' || rule.onDelete === 'cancel')
                    .map((m) => stepName(m, table)),
            ),
        );
        expect(desired.steps.filter((s) => s.message === 'Delete').map((s) => s.table)).toEqual(['re_reservation']);
        expect(
            new Set(desired.steps.map((s) => `${s.mode}/${s.stage}/${s.supporteddeployment}/${s.asyncautodelete}`)),
        ).toEqual(new Set(['1/40/0/true']));
    });

    it('filters Updates on the mapped columns (the trigger columns where the map has them) and nothing else', () => {
        expect(step('Update', 're_reservation').filteringattributes).toEqual(
            map.entities.re_reservation?.fields.map((f) => f.source),
        );
        expect(step('Update', 're_unit').filteringattributes).toEqual([
            're_status',
            're_readyforhandoveron',
            're_ownerid',
        ]);
        expect(step('Create', 're_reservation').filteringattributes).toBeNull();
        expect(step('Delete', 're_reservation').filteringattributes).toBeNull();
        for (const s of desired.steps) {
            for (const owned of map.integrationOwnedColumns) expect(s.filteringattributes ?? []).not.toContain(owned);
        }
    });

    it('asks for a post-image on Create, both images on Update, a pre-image on Delete, each with the mapped columns', () => {
        const images = (s: ReturnType<typeof step>) =>
            s.images.map((i) => `${i.entityalias}:${i.imagetype}:${i.messagepropertyname}`);
        expect(images(step('Create', 'contact'))).toEqual(['PostImage:1:Target']);
        expect(images(step('Update', 'contact'))).toEqual(['PreImage:0:Target', 'PostImage:1:Target']);
        expect(images(step('Delete', 're_reservation'))).toEqual(['PreImage:0:Target']);
        expect(step('Update', 're_unit').images[0]?.attributes).toEqual(
            map.entities.re_unit?.fields.map((f) => f.source),
        );
    });

    it('names the endpoint and sets the auth type Dataverse uses for each kind of secret', () => {
        expect(desired.endpoint).toMatchObject({ name: 'crm-erp-integration', contract: 8, authtype: 4 });
        const header = desiredRegistration(map, {
            url: 'https://x',
            auth: { type: 'httpHeader', headerName: 'x-webhook-key' },
        });
        expect(header.endpoint.authtype).toBe(5);
    });

    it('writes the HttpHeader secret as Dataverse settings XML, escaped, and the webhook key as it is', () => {
        expect(authValue({ type: 'webhookKey' }, 'abc&"<>')).toBe('abc&"<>');
        expect(authValue({ type: 'httpHeader', headerName: 'x-webhook-key' }, 'a"b&<c>')).toBe(
            '<settings><setting name="x-webhook-key" value="a&quot;b&amp;&lt;c&gt;" /></settings>',
        );
    });
});

describe('docs/dataverse-setup.md', () => {
    it('lists the steps, filtering attributes and image columns the active map registers', () => {
        const doc = readFileSync('docs/dataverse-setup.md', 'utf8');
        const names = (cell: string) => [...cell.matchAll(/`([a-z_0-9]+)`/g)].map((m) => m[1]);
        const rows = doc
            .split('\n')
            .filter((line) => /^\| `[a-z_]+` \| (Create|Update|Delete)/.test(line))
            .map((line) => line.split('|').map((c) => c.trim()));
        const documented = rows.map(([, table, steps, filtering, images]) => {
            const name = names(table ?? '')[0] ?? '';
            const columns = images === 'the same' ? names(filtering ?? '') : names(images ?? '');
            return { table: name, steps: steps?.split(', '), filtering: names(filtering ?? ''), images: columns };
        });
        const tables = [...new Set(desired.steps.map((s) => s.table))];
        expect(documented).toEqual(
            tables.map((table) => ({
                table,
                steps: desired.steps.filter((s) => s.table === table).map((s) => s.message),
                filtering: step('Update', table).filteringattributes,
                images: step('Update', table).images[0]?.attributes,
            })),
        );
    });
});
