import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataverseRecords } from '../../../sandbox/dataverse/dataverseRecords';
import { type SandboxDataverse, startSandboxDataverse } from '../../../sandbox/dataverse/sandboxDataverseServer';

const unitId = '1b2c3d4e-0000-4000-8000-000000001203';
const reservationId = '6d81597f-0f9f-e711-8122-000d3aa2331c';
const auth = { Authorization: 'Bearer sandbox-token' };
const annotations = { ...auth, Prefer: 'odata.include-annotations="*"' };

let sandbox: SandboxDataverse;
let api: string;
let tick = 0;

async function put(path: string, body: unknown): Promise<Response> {
    return fetch(`${sandbox.url}${path}`, { method: 'PUT', body: JSON.stringify(body) });
}

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return fetch(`${api}${path}`, {
        method,
        headers: { ...auth, 'Content-Type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}

beforeAll(async () => {
    // Each change happens one minute after the previous one, so modifiedon is exact and distinct.
    sandbox = await startSandboxDataverse({ now: () => new Date(Date.UTC(2026, 2, 2, 10, tick++)) });
    api = `${sandbox.url}/api/data/v9.2/`;
    expect((await put(`/sandbox/records/re_unit/${unitId}`, { re_code: 'MARINA-T1-1203', re_floor: 12 })).status).toBe(
        200,
    );
    const reservation = {
        re_name: 'RSV-000123',
        re_unitid: { logicalName: 're_unit', id: unitId.toUpperCase(), name: 'stale name' },
        re_value: 1250000,
        re_reservedon: '2026-03-01T08:00:00Z',
        re_status: 100000000,
    };
    expect((await put(`/sandbox/records/re_reservation/${reservationId}`, reservation)).status).toBe(200);
});

afterAll(async () => {
    await sandbox.close();
});

afterEach(async () => {
    expect((await put('/sandbox/faults', {})).status).toBe(204);
});

describe('sandbox Dataverse Web API: reading', () => {
    it('answers a row with $select formatted as the Web API does', async () => {
        const res = await fetch(
            `${api}re_reservations(${reservationId})?$select=re_name,_re_unitid_value,re_value,re_status,re_reservedon`,
            {
                headers: annotations,
            },
        );
        expect(res.status).toBe(200);
        expect(res.headers.get('preference-applied')).toBe('odata.include-annotations="*"');
        const version = sandbox.records.get('re_reservation', reservationId)?.versionnumber;
        expect(res.headers.get('etag')).toBe(`W/"${version}"`);
        expect(await res.json()).toEqual({
            '@odata.context': `${api}$metadata#re_reservations(re_name,_re_unitid_value,re_value,re_status,re_reservedon)/$entity`,
            '@odata.etag': `W/"${version}"`,
            re_name: 'RSV-000123',
            // The look-up shows the unit's current primary name, not the one it was seeded with.
            '_re_unitid_value@OData.Community.Display.V1.FormattedValue': 'MARINA-T1-1203',
            '_re_unitid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 're_unitid',
            '_re_unitid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 're_unit',
            _re_unitid_value: unitId,
            're_value@OData.Community.Display.V1.FormattedValue': 'AED 1,250,000.00',
            re_value: 1250000,
            're_status@OData.Community.Display.V1.FormattedValue': 'Active',
            re_status: 100000000,
            're_reservedon@OData.Community.Display.V1.FormattedValue': '3/1/2026 8:00 AM',
            re_reservedon: '2026-03-01T08:00:00Z',
            // Like Dataverse: a money column brings the currency, every row its primary key.
            _transactioncurrencyid_value: null,
            re_reservationid: reservationId,
        });
    });

    it('sends no instance annotations without the Prefer header', async () => {
        const res = await fetch(`${api}re_units(${unitId})?$select=re_code,re_floor`, { headers: auth });
        const body = (await res.json()) as Record<string, unknown>;
        expect(Object.keys(body).sort()).toEqual(['@odata.context', '@odata.etag', 're_code', 're_floor', 're_unitid']);
    });

    it('returns every column, unset ones as null, without $select', async () => {
        const res = await fetch(`${api}re_units(${unitId})`, { headers: annotations });
        const body = (await res.json()) as Record<string, unknown>;
        expect(body['@odata.context']).toBe(`${api}$metadata#re_units/$entity`);
        expect(body).toMatchObject({
            re_code: 'MARINA-T1-1203',
            're_floor@OData.Community.Display.V1.FormattedValue': '12',
            re_floor: 12,
            re_status: null,
            _re_buildingid_value: null,
            createdon: '2026-03-02T10:00:00Z',
        });
        expect(typeof body.versionnumber).toBe('number');
    });

    it('refuses to $select a look-up by its logical name, as Dataverse does', async () => {
        const res = await fetch(`${api}re_reservations(${reservationId})?$select=re_unitid`, { headers: auth });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
            error: {
                code: '0x80060888',
                message: "Could not find a property named 're_unitid' on type 'Microsoft.Dynamics.CRM.re_reservation'.",
            },
        });
    });

    it('answers 404 with Dataverse codes for a missing row and an unknown entity set', async () => {
        const missing = await fetch(`${api}re_units(00000000-0000-4000-8000-000000000000)`, { headers: auth });
        expect(missing.status).toBe(404);
        expect(await missing.json()).toEqual({
            error: {
                code: '0x80040217',
                message: 're_unit With Id = 00000000-0000-4000-8000-000000000000 Does Not Exist',
            },
        });
        const unknown = await fetch(`${api}re_towers(${unitId})`, { headers: auth });
        expect(unknown.status).toBe(404);
        expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('0x8006088a');
    });

    it('answers 401 with WWW-Authenticate without a bearer token', async () => {
        const res = await fetch(`${api}re_units(${unitId})`);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe(
            'Bearer authorization_uri=https://login.microsoftonline.com/common',
        );
    });
});

describe('sandbox Dataverse Web API: writing', () => {
    it('PATCH with If-Match: * updates the row, bumps versionnumber and modifiedon, and logs the write', async () => {
        const before = sandbox.records.get('re_reservation', reservationId);
        const res = await send(
            'PATCH',
            `re_reservations(${reservationId})`,
            { re_erppostingid: 'PST-1' },
            { 'If-Match': '*' },
        );
        expect(res.status).toBe(204);
        expect(res.headers.get('odata-entityid')).toBe(`${api}re_reservations(${reservationId})`);
        const after = sandbox.records.get('re_reservation', reservationId);
        expect(after?.re_erppostingid).toBe('PST-1');
        expect(after?.versionnumber).toBe(Number(before?.versionnumber) + 1);
        expect(after?.modifiedon).not.toBe(before?.modifiedon);
        expect(after?.createdon).toBe(before?.createdon);
        expect(sandbox.records.writes.at(-1)).toEqual({
            entity: 're_reservation',
            id: reservationId,
            fields: { re_erppostingid: 'PST-1' },
            at: after?.modifiedon,
        });
    });

    it('PATCH with If-Match: * on a missing row answers 404 and creates nothing', async () => {
        const id = '00000000-0000-4000-8000-0000000000b1';
        const res = await send('PATCH', `re_reservations(${id})`, { re_erpsyncstatus: 'posted' }, { 'If-Match': '*' });
        expect(res.status).toBe(404);
        expect(sandbox.records.get('re_reservation', id)).toBeUndefined();
    });

    it('PATCH without If-Match is an upsert', async () => {
        const id = '00000000-0000-4000-8000-0000000000b2';
        expect((await send('PATCH', `re_reservations(${id})`, { re_name: 'RSV-000124' })).status).toBe(204);
        expect(sandbox.records.get('re_reservation', id)?.re_name).toBe('RSV-000124');
    });

    it('refuses unknown, read-only and mistyped columns with Dataverse error codes', async () => {
        const path = `re_reservations(${reservationId})`;
        const unknown = await send('PATCH', path, { re_colour: 'red' }, { 'If-Match': '*' });
        expect(unknown.status).toBe(400);
        expect(await unknown.json()).toEqual({
            error: {
                code: '0x80060888',
                message: "Invalid property 're_colour' was found in entity 'Microsoft.Dynamics.CRM.re_reservation'.",
            },
        });
        const readOnly = await send('PATCH', path, { versionnumber: 1 }, { 'If-Match': '*' });
        expect(readOnly.status).toBe(400);
        const mistyped = await send('PATCH', path, { re_value: 'a lot' }, { 'If-Match': '*' });
        expect(mistyped.status).toBe(400);
        expect(((await mistyped.json()) as { error: { code: string } }).error.code).toBe('0x80048d19');
    });

    it('POST creates a row, binds look-ups with @odata.bind and answers 204 with OData-EntityId', async () => {
        const res = await send('POST', 're_installments', {
            re_name: 'RSV-000123-01',
            're_reservationid@odata.bind': `/re_reservations(${reservationId})`,
            re_amount: 62500,
        });
        expect(res.status).toBe(204);
        const entityId = res.headers.get('odata-entityid') ?? '';
        const id = /re_installments\(([0-9a-f-]{36})\)$/.exec(entityId)?.[1] ?? '';
        expect(sandbox.records.get('re_installment', id)).toMatchObject({
            re_installmentid: id,
            re_name: 'RSV-000123-01',
            re_reservationid: { logicalName: 're_reservation', id: reservationId, name: null },
            re_amount: 62500,
        });
    });

    it('POST with an existing primary key answers 412', async () => {
        const res = await send('POST', 're_units', { re_unitid: unitId, re_code: 'DUPLICATE' });
        expect(res.status).toBe(412);
        expect(sandbox.records.get('re_unit', unitId)?.re_code).toBe('MARINA-T1-1203');
    });
});

describe('sandbox Dataverse faults and control routes', () => {
    it('answers every Nth request 429 with Retry-After: 1 when throttling', async () => {
        expect((await put('/sandbox/faults', { throttleEvery: 3 })).status).toBe(204);
        const statuses: number[] = [];
        const retryAfter: (string | null)[] = [];
        for (let i = 0; i < 6; i++) {
            const res = await fetch(`${api}re_units(${unitId})`, { headers: auth });
            statuses.push(res.status);
            retryAfter.push(res.headers.get('retry-after'));
            await res.arrayBuffer();
        }
        expect(statuses).toEqual([200, 200, 429, 200, 200, 429]);
        expect(retryAfter).toEqual([null, null, '1', null, null, '1']);
    });

    it('answers 503 to the Web API but still serves the control routes when down', async () => {
        expect((await put('/sandbox/faults', { down: true })).status).toBe(204);
        expect((await fetch(`${api}re_units(${unitId})`, { headers: auth })).status).toBe(503);
        expect((await fetch(`${sandbox.url}/sandbox/records/re_unit`)).status).toBe(200);
    });

    it('refuses malformed faults', async () => {
        expect((await put('/sandbox/faults', { throttleEvery: 0 })).status).toBe(400);
        expect((await put('/sandbox/faults', { down: 'yes' })).status).toBe(400);
    });

    it('lists rows in normalised form and refuses seeds that do not fit the schema', async () => {
        const rows = (await (await fetch(`${sandbox.url}/sandbox/records/re_unit`)).json()) as Record<
            string,
            unknown
        >[];
        expect(rows.map((r) => r.re_unitid)).toEqual([unitId]);
        const bad = await put(`/sandbox/records/re_unit/${unitId}`, { re_floor: 'twelve' });
        expect(bad.status).toBe(400);
        const badId = await put('/sandbox/records/re_unit/unit-1', { re_floor: 1 });
        expect(await badId.json()).toEqual({ error: { code: '0x80040203', message: "'unit-1' is not a valid id." } });
        const unknownTable = await fetch(`${sandbox.url}/sandbox/records/re_tower`);
        expect(unknownTable.status).toBe(404);
    });
});

describe('sandbox Dataverse data file', () => {
    it('keeps rows across restarts', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'sandbox-dataverse-'));
        const dataFile = join(dir, 'rows.json');
        try {
            const first = await startSandboxDataverse({ dataFile });
            first.records.put('account', 'a1a1a1a1-0000-4000-8000-000000000001', { name: 'Broker Firm' });
            const version = first.records.get('account', 'a1a1a1a1-0000-4000-8000-000000000001')?.versionnumber;
            await first.close();
            expect(Object.keys(JSON.parse(readFileSync(dataFile, 'utf8')) as object)).toEqual(['account']);
            const second = await startSandboxDataverse({ dataFile });
            expect(second.records.get('account', 'a1a1a1a1-0000-4000-8000-000000000001')).toMatchObject({
                name: 'Broker Firm',
                versionnumber: version,
            });
            second.records.put('account', 'a1a1a1a1-0000-4000-8000-000000000002', { name: 'Second Firm' });
            expect(second.records.get('account', 'a1a1a1a1-0000-4000-8000-000000000002')?.versionnumber).toBe(
                Number(version) + 1,
            );
            await second.close();
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it('keeps every answered change of a process that was killed before it closed, from the log', () => {
        const dir = mkdtempSync(join(tmpdir(), 'sandbox-dataverse-'));
        const dataFile = join(dir, 'rows.json');
        const id = 'a1a1a1a1-0000-4000-8000-000000000003';
        try {
            const killed = new DataverseRecords({ dataFile });
            killed.put('account', id, { name: 'Before' });
            killed.patch('account', id, { name: 'After' });
            const version = killed.get('account', id)?.versionnumber;
            // No flush: the snapshot still holds nothing, and the process died writing one more line.
            expect(JSON.parse(readFileSync(dataFile, 'utf8'))).toEqual({});
            appendFileSync(`${dataFile}.log`, '{"entity":"account","id":"a1a1a1a1-0000-4000-8000-0000');
            const restarted = new DataverseRecords({ dataFile });
            expect(restarted.get('account', id)).toMatchObject({ name: 'After', versionnumber: version });
            expect(restarted.put('account', id, { name: 'Again' }).versionnumber).toBe(Number(version) + 1);
            expect(readFileSync(`${dataFile}.log`, 'utf8').trim().split('\n')).toHaveLength(1);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
