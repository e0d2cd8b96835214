import { afterEach, describe, expect, it } from 'vitest';
import { type SandboxDataverse, startSandboxDataverse } from '../../sandbox/dataverse/sandboxDataverseServer';
import { referenceTables, type TableSchema } from '../../sandbox/dataverse/sandboxSchema';
import { DataverseRegistrationClient } from '../../src/adapters/dataverse/dataverseRegistrationClient';
import { loadConfigFile } from '../../src/config/configFile';
import { type EntityMap, entityMapSchema } from '../../src/mapping/entityMapSchema';
import { type RegistrationRequest, registerDataverse } from '../../src/registration/registerDataverse';

// Against the sandbox Dataverse over HTTP: the adapter's real Web API calls, Dataverse's validation on the far side.
const map = loadConfigFile('config/entity-map.v1.json', entityMapSchema);
const key = 'dataverse-function-key-0123456789';
const hook = 'http://127.0.0.1:7071/api/dataverse/events';
const sandboxes: SandboxDataverse[] = [];

async function sandbox(tables: readonly TableSchema[] = structuredClone(referenceTables)) {
    const started = await startSandboxDataverse({ tables });
    sandboxes.push(started);
    const port = new DataverseRegistrationClient({
        orgUrl: started.url,
        getToken: async () => 'token',
        timeoutMs: 10_000,
    });
    const run = (overrides: Partial<RegistrationRequest> = {}) =>
        registerDataverse(
            {
                map,
                endpoint: { url: hook, auth: { type: 'webhookKey' } },
                secret: key,
                rotateSecret: false,
                dryRun: false,
                ...overrides,
            },
            port,
        );
    return { sandbox: started, port, run, api: `${started.url}/api/data/v9.2/` };
}

afterEach(async () => {
    for (const s of sandboxes.splice(0)) await s.close();
});

const counts = (s: SandboxDataverse) =>
    ['serviceendpoints', 'sdkmessageprocessingsteps', 'sdkmessageprocessingstepimages'].map(
        (set) => s.registration.list(set).length,
    );

describe('npm run dataverse:register against the sandbox Dataverse', () => {
    it('plans in a dry run and changes nothing', async () => {
        const { sandbox: s, run } = await sandbox();
        const report = await run({ dryRun: true });
        expect(report.outcome).toBeUndefined();
        expect(report.plan.changes).toBe(38);
        expect(report.plan.endpoint.action).toBe('create');
        expect(report.plan.steps.map((st) => st.action)).toEqual(new Array(15).fill('create'));
        expect(counts(s)).toEqual([0, 0, 0]);
    });

    it('applies the plan, and a second run has 0 changes', async () => {
        const { sandbox: s, run } = await sandbox();
        const first = await run();
        expect(first.outcome).toMatchObject({ kind: 'applied' });
        expect(first.outcome?.applied).toHaveLength(38);
        expect(counts(s)).toEqual([1, 15, 22]);
        const [endpoint] = s.registration.list('serviceendpoints');
        expect(endpoint).toMatchObject({
            name: 'crm-erp-integration',
            contract: 8,
            url: hook,
            authtype: 4,
            authvalue: key,
        });
        const update = s.registration
            .list('sdkmessageprocessingsteps')
            .find((r) => r.name === 'crm-erp-integration: Update of re_unit');
        expect(update).toMatchObject({
            mode: 1,
            stage: 40,
            asyncautodelete: true,
            filteringattributes: 're_status,re_readyforhandoveron,re_ownerid',
        });
        const again = await run();
        expect(again.plan.changes).toBe(0);
        expect(again.outcome).toEqual({ kind: 'applied', applied: [] });
    });

    it('updates the step and images of a table whose map gained a column, and nothing else', async () => {
        const { sandbox: s, run } = await sandbox();
        await run();
        const before = s.registration.list('sdkmessageprocessingsteps');
        const grown: EntityMap = structuredClone(map);
        grown.entities.contact?.fields.push({
            source: 'fullname',
            target: 'fullName',
            transform: 'text',
            personal: true,
            required: false,
            conflict: 'crmWins',
            direction: 'crmToErp',
        });
        const report = await run({ map: grown });
        expect(report.plan.changes).toBe(4);
        expect(report.outcome?.applied.map((a) => `${a.action} ${a.kind} ${a.name}`)).toEqual([
            'update image crm-erp-integration: Create of contact / PostImage',
            'update step crm-erp-integration: Update of contact',
            'update image crm-erp-integration: Update of contact / PreImage',
            'update image crm-erp-integration: Update of contact / PostImage',
        ]);
        const after = s.registration.list('sdkmessageprocessingsteps');
        expect(after.find((r) => r.name === 'crm-erp-integration: Update of contact')?.filteringattributes).toBe(
            'firstname,lastname,emailaddress1,mobilephone,re_nationalid,fullname',
        );
        const untouched = (rows: Record<string, unknown>[]) =>
            rows.filter((r) => !String(r.name).endsWith('of contact'));
        expect(untouched(after)).toEqual(untouched(before));
        expect((await run({ map: grown })).plan.changes).toBe(0);
    });

    it('never touches steps it does not own, on another endpoint or on its own', async () => {
        const { sandbox: s, run, api } = await sandbox();
        await run();
        const post = async (set: string, body: unknown) => {
            const res = await fetch(`${api}${set}`, {
                method: 'POST',
                headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
                body: JSON.stringify(body),
            });
            expect(res.status).toBe(204);
            return /\(([0-9a-f-]{36})\)$/.exec(res.headers.get('OData-EntityId') ?? '')?.[1] ?? '';
        };
        const messages = await (
            await fetch(`${api}sdkmessages?$filter=name eq 'Update'`, { headers: { Authorization: 'Bearer t' } })
        ).json();
        const updateId = (messages as { value: { sdkmessageid: string }[] }).value[0]?.sdkmessageid;
        const other = await post('serviceendpoints', {
            name: 'audit-feed',
            contract: 8,
            url: 'https://audit.example/hook',
            authtype: 4,
            authvalue: 'audit-key',
        });
        const foreign = {
            name: 'audit-feed: Update of contact',
            mode: 1,
            stage: 40,
            'sdkmessageid@odata.bind': `/sdkmessages(${updateId})`,
        };
        await post('sdkmessageprocessingsteps', {
            ...foreign,
            'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${other})`,
        });
        const ours = s.registration
            .list('serviceendpoints')
            .find((e) => e.name === 'crm-erp-integration')?.serviceendpointid;
        await post('sdkmessageprocessingsteps', {
            ...foreign,
            name: 'hand-made: Update of contact',
            'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${String(ours)})`,
        });
        const before = s.registration
            .list('sdkmessageprocessingsteps')
            .filter((r) => !String(r.name).startsWith('crm-erp-integration'));
        const report = await run();
        expect(report.plan.changes).toBe(0);
        expect(report.plan.findings.map((f) => `${f.code} ${f.where}`)).toEqual([
            'FOREIGN_STEP_ON_ENDPOINT hand-made: Update of contact',
        ]);
        expect(
            s.registration
                .list('sdkmessageprocessingsteps')
                .filter((r) => !String(r.name).startsWith('crm-erp-integration')),
        ).toEqual(before);
    });

    it('reports what the environment lacks, and changes nothing', async () => {
        const tables = structuredClone(referenceTables).filter((t) => t.logicalName !== 're_commission');
        const table = (name: string) => tables.find((t) => t.logicalName === name) as TableSchema;
        delete table('re_reservation').columns.re_bookingamount;
        delete table('re_unit').columns.re_erpsyncerror;
        delete table('re_project').columns.re_currencycode;
        table('re_unit').choices.re_status = {
            100000000: 'Available',
            100000001: 'Reserved',
            100000002: 'Sold',
            100000003: 'Ready for handover',
            100000004: 'Handed over',
            100000006: 'Under renovation',
        };
        const { sandbox: s, run } = await sandbox(tables);
        const report = await run();
        expect(report.plan.findings.map((f) => `${f.severity} ${f.code} ${f.where}`)).toEqual([
            'error COLUMN_MISSING re_reservation.re_bookingamount',
            'error TABLE_MISSING re_commission',
            'warning OPTION_VALUE_MISSING re_unit.re_status',
            'warning OPTION_VALUE_UNMAPPED re_unit.re_status',
            'error INTEGRATION_COLUMN_MISSING re_unit.re_erpsyncerror',
            'error COLUMN_MISSING re_project.re_currencycode',
        ]);
        const messages = report.plan.findings.map((f) => f.message);
        expect(messages).toContain(
            'option 100000005 (mapped to blocked) does not exist in re_unit.re_status: the map was written for another option set',
        );
        expect(messages).toContain(
            'option 100000006 (Under renovation) of re_unit.re_status has no entry in the map: intake refuses rows that hold it',
        );
        expect(messages).toContain(
            'integration-owned column re_unit.re_erpsyncerror does not exist: every write-back of a unitStatus would fail',
        );
        expect(report.outcome).toEqual({ kind: 'refused', applied: [] });
        expect(counts(s)).toEqual([0, 0, 0]);
    });

    it("stops at the change Dataverse refuses, names it and Dataverse's reason, and keeps what went before", async () => {
        const tables = structuredClone(referenceTables);
        const { sandbox: s, port } = await sandbox(tables);
        const request = {
            map,
            endpoint: { url: hook, auth: { type: 'webhookKey' as const } },
            secret: key,
            rotateSecret: false,
        };
        const plan = await registerDataverse({ ...request, dryRun: true }, port);
        expect(plan.plan.findings).toEqual([]);
        // The column is deleted in Dataverse between the pre-flight and the step that filters on it.
        delete (tables.find((t) => t.logicalName === 're_receipt') as TableSchema).columns.re_method;
        const { applyRegistration } = await import('../../src/registration/applyRegistration');
        const outcome = await applyRegistration(plan.plan, port, key);
        expect(outcome.kind).toBe('failed');
        if (outcome.kind !== 'failed') return;
        expect(outcome.failed).toEqual({
            kind: 'image',
            name: 'crm-erp-integration: Create of re_receipt / PostImage',
            reason: "POST sdkmessageprocessingstepimages answered 400: 're_receipt' entity doesn't contain attribute with Name = 're_method' and NameMapping = 'Logical'.",
        });
        expect(outcome.applied.length).toBe(counts(s).reduce((a, b) => a + b, 0));
    });
});
