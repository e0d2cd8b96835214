import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxDataverse, startSandboxDataverse } from '../../../sandbox/dataverse/sandboxDataverseServer';

let sandbox: SandboxDataverse;
let api: string;
let ids: {
    create: string;
    update: string;
    del: string;
    updateContact: string;
    createContact: string;
    deleteReservation: string;
};
let endpoint: string;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${api}${path}`, {
        method,
        headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const id = /\(([0-9a-f-]{36})\)$/.exec(res.headers.get('OData-EntityId') ?? '')?.[1] ?? '';
    return { status: res.status, json, id, error: (json.error ?? {}) as { code?: string; message?: string } };
}

const rows = async (path: string) => (await call('GET', path)).json.value as Record<string, unknown>[];

beforeAll(async () => {
    sandbox = await startSandboxDataverse();
    api = `${sandbox.url}/api/data/v9.2/`;
    const messages = await rows(
        "sdkmessages?$select=sdkmessageid,name&$filter=name eq 'Create' or name eq 'Update' or name eq 'Delete'",
    );
    const message = (name: string) => String(messages.find((m) => m.name === name)?.sdkmessageid);
    const filters = await rows(
        "sdkmessagefilters?$select=sdkmessagefilterid,_sdkmessageid_value,primaryobjecttypecode&$filter=primaryobjecttypecode eq 'contact' or primaryobjecttypecode eq 're_reservation'",
    );
    const filter = (name: string, table: string) =>
        String(
            filters.find((f) => f._sdkmessageid_value === message(name) && f.primaryobjecttypecode === table)
                ?.sdkmessagefilterid,
        );
    ids = {
        create: message('Create'),
        update: message('Update'),
        del: message('Delete'),
        createContact: filter('Create', 'contact'),
        updateContact: filter('Update', 'contact'),
        deleteReservation: filter('Delete', 're_reservation'),
    };
    endpoint = (
        await call('POST', 'serviceendpoints', {
            name: 'hook',
            contract: 8,
            url: 'https://app.example/api/x',
            authtype: 4,
            authvalue: 'key-123',
        })
    ).id;
});

afterAll(async () => {
    await sandbox.close();
});

const step = (message: string, filter: string, extra: Record<string, unknown> = {}) => ({
    name: 'test step',
    mode: 1,
    stage: 40,
    'sdkmessageid@odata.bind': `/sdkmessages(${message})`,
    'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${filter})`,
    'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${endpoint})`,
    ...extra,
});

describe('sandbox Dataverse: registration tables and their validation', () => {
    it('lists message filters per table with $filter and refuses writes to them', async () => {
        expect(ids.updateContact).toMatch(/^[0-9a-f-]{36}$/);
        expect((await call('POST', 'sdkmessages', { name: 'Mine' })).status).toBe(405);
    });

    it('refuses a filtering attribute the table does not have, as Dataverse does', async () => {
        const r = await call(
            'POST',
            'sdkmessageprocessingsteps',
            step(ids.update, ids.updateContact, { filteringattributes: 'firstname,re_nope' }),
        );
        expect([r.status, r.error.code, r.error.message]).toEqual([
            400,
            '0x80041103',
            "'contact' entity doesn't contain attribute with Name = 're_nope' and NameMapping = 'Logical'.",
        ]);
    });

    it('refuses a message filter of another message, a missing filter, and an asynchronous step outside PostOperation', async () => {
        expect(
            (await call('POST', 'sdkmessageprocessingsteps', step(ids.update, ids.createContact))).error.message,
        ).toMatch(/is not a filter of the Update message/);
        const gone = await call(
            'POST',
            'sdkmessageprocessingsteps',
            step(ids.update, '00000000-0000-4000-8000-000000000000'),
        );
        expect([gone.status, gone.error.message]).toEqual([
            404,
            'sdkmessagefilter With Id = 00000000-0000-4000-8000-000000000000 Does Not Exist',
        ]);
        expect(
            (await call('POST', 'sdkmessageprocessingsteps', step(ids.update, ids.updateContact, { stage: 20 }))).error
                .code,
        ).toBe('0x80044184');
        expect(
            (await call('POST', 'sdkmessageprocessingsteps', step(ids.update, ids.updateContact, { mode: 3 }))).error
                .code,
        ).toBe('0x80044331');
    });

    it('refuses a pre-image on Create and a post-image on Delete, and an image column the table lacks', async () => {
        const create = (await call('POST', 'sdkmessageprocessingsteps', step(ids.create, ids.createContact))).id;
        const remove = (await call('POST', 'sdkmessageprocessingsteps', step(ids.del, ids.deleteReservation))).id;
        const image = (stepId: string, imagetype: number, attributes = 're_name') => ({
            name: 'img',
            entityalias: 'img',
            imagetype,
            messagepropertyname: 'Target',
            attributes,
            'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${stepId})`,
        });
        expect(
            (await call('POST', 'sdkmessageprocessingstepimages', image(create, 0, 'firstname'))).error.message,
        ).toMatch(/PreImage cannot be registered on the Create message/);
        expect((await call('POST', 'sdkmessageprocessingstepimages', image(remove, 1))).error.message).toMatch(
            /PostImage cannot be registered on the Delete message/,
        );
        expect(
            (await call('POST', 'sdkmessageprocessingstepimages', image(remove, 0, 're_name,firstname'))).error.code,
        ).toBe('0x80041103');
        const ok = await call('POST', 'sdkmessageprocessingstepimages', image(remove, 0));
        expect(ok.status).toBe(204);
        // Deleting the step deletes its images (Cascade), as in Dataverse.
        expect((await call('DELETE', `sdkmessageprocessingsteps(${remove})`)).status).toBe(204);
        expect((await call('GET', `sdkmessageprocessingstepimages(${ok.id})`)).status).toBe(404);
    });

    it('never returns authvalue, only whether it is set, and refuses webhook ports other than 80 and 443', async () => {
        const got = await call('GET', `serviceendpoints(${endpoint})?$select=name,authvalue,isauthvalueset`);
        expect([got.json.authvalue, got.json.isauthvalueset]).toEqual([null, true]);
        const port = await call('POST', 'serviceendpoints', {
            name: 'p',
            contract: 8,
            url: 'https://app.example:8443/x',
            authtype: 4,
            authvalue: 'k',
        });
        expect(port.error.message).toBe('Registered WebHooks support only port 80 for HTTP and port 443 for HTTPS.');
        const header = await call('POST', 'serviceendpoints', {
            name: 'h',
            contract: 8,
            url: 'https://app.example/x',
            authtype: 5,
            authvalue: 'plain',
        });
        expect(header.error.message).toMatch(/<settings>/);
    });

    it('serves table definitions with their choice options, and 404 for a table it does not have', async () => {
        const entity = await call(
            'GET',
            "EntityDefinitions(LogicalName='re_unit')?$select=LogicalName&$expand=Attributes($select=LogicalName,AttributeType)",
        );
        const attributes = entity.json.Attributes as { LogicalName: string; AttributeType: string }[];
        expect(attributes.find((a) => a.LogicalName === 're_status')?.AttributeType).toBe('Picklist');
        expect(attributes.find((a) => a.LogicalName === 're_buildingid')?.AttributeType).toBe('Lookup');
        const picklists = await call(
            'GET',
            "EntityDefinitions(LogicalName='re_unit')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)",
        );
        const status = (
            picklists.json.value as {
                LogicalName: string;
                OptionSet: { Options: { Value: number; Label: { UserLocalizedLabel: { Label: string } } }[] };
            }[]
        ).find((a) => a.LogicalName === 're_status');
        expect(status?.OptionSet.Options.map((o) => `${o.Value} ${o.Label.UserLocalizedLabel.Label}`)).toContain(
            '100000003 Ready for handover',
        );
        const missing = await call('GET', "EntityDefinitions(LogicalName='re_parking')");
        expect([missing.status, missing.error.code]).toEqual([404, '0x80041102']);
    });
});
