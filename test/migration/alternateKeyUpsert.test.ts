import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxDataverse, startSandboxDataverse } from '../../sandbox/dataverse/sandboxDataverseServer';
import { DataverseWebApiClient } from '../../src/adapters/dataverse/dataverseWebApiClient';

let sandbox: SandboxDataverse;
let crm: DataverseWebApiClient;

beforeAll(async () => {
    sandbox = await startSandboxDataverse();
    crm = new DataverseWebApiClient({
        orgUrl: sandbox.url,
        getToken: async () => 'token',
        integrationOwnedFields: {},
        timeoutMs: 5_000,
    });
});
afterAll(() => sandbox.close());

describe('upsert and read by alternate key (Dataverse Web API and its sandbox)', () => {
    it('creates the row the first time and updates the same row after, never a second one', async () => {
        const key = { column: 're_code', value: 'MARINA' };
        const created = await crm.upsertByKey('re_project', key, { re_name: 'Marina', re_currencycode: 'AED' });
        const updated = await crm.upsertByKey('re_project', key, { re_name: 'Marina Residences' });
        expect(updated.id).toBe(created.id);
        expect(sandbox.records.list('re_project')).toHaveLength(1);
        const row = await crm.retrieveByKey('re_project', key, ['re_name', 're_currencycode']);
        expect(row).toEqual({ re_projectid: created.id, re_name: 'Marina Residences', re_currencycode: 'AED' });
    });

    it("binds a look-up by the parent's alternate key, and refuses a parent that does not exist", async () => {
        const project = await crm.retrieveByKey('re_project', { column: 're_code', value: 'MARINA' });
        await crm.upsertByKey(
            're_building',
            { column: 're_code', value: 'MARINA-T1' },
            { re_name: 'Tower 1', re_projectid: { bind: 're_project', key: { column: 're_code', value: 'MARINA' } } },
        );
        const building = await crm.retrieveByKey('re_building', { column: 're_code', value: 'MARINA-T1' }, [
            're_projectid',
        ]);
        expect(building?.re_projectid).toMatchObject({ logicalName: 're_project', id: project?.re_projectid });
        await expect(
            crm.upsertByKey(
                're_building',
                { column: 're_code', value: 'OASIS-T1' },
                { re_projectid: { bind: 're_project', key: { column: 're_code', value: 'OASIS' } } },
            ),
        ).rejects.toThrow(/does not exist in re_project/);
        expect(await crm.retrieveByKey('re_building', { column: 're_code', value: 'OASIS-T1' })).toBeUndefined();
    });

    it('escapes quotes in key values and refuses a column that is not an alternate key', async () => {
        const key = { column: 're_brokerlicense', value: "ORN-O'NEIL/7" };
        const { id } = await crm.upsertByKey('account', key, { name: "O'Neil Realty" });
        expect((await crm.retrieveByKey('account', key, ['name']))?.accountid).toBe(id);
        await expect(crm.upsertByKey('account', { column: 'name', value: 'x' }, {})).rejects.toThrow(
            /not an alternate key of account/,
        );
    });
});
