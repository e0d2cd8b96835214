import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SandboxDataverse, startSandboxDataverse } from '../../../sandbox/dataverse/sandboxDataverseServer';
import { DataverseWebApiClient } from '../../../src/adapters/dataverse/dataverseWebApiClient';
import {
    isCrmAuthError,
    isCrmFieldNotOwnedError,
    isCrmRequestError,
    isCrmThrottledError,
    isCrmUnavailableError,
} from '../../../src/ports/crmErrors';

const reservationId = '6d81597f-0f9f-e711-8122-000d3aa2331c';
const unitId = '1b2c3d4e-0000-4000-8000-000000001203';
const buyerId = 'aaaaaaaa-0000-4000-8000-000000000001';
const owned = { re_reservation: ['re_erppostingid', 're_erpsyncstatus', 're_erpsyncerror', 're_erpsyncedon'] };

let sandbox: SandboxDataverse;
let idle: Server;
let idleUrl: string;

function client(overrides: Partial<ConstructorParameters<typeof DataverseWebApiClient>[0]> = {}) {
    return new DataverseWebApiClient({
        orgUrl: sandbox.url,
        getToken: async () => 'sandbox-token',
        integrationOwnedFields: owned,
        timeoutMs: 5_000,
        ...overrides,
    });
}

async function setFaults(faults: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify(faults) });
    expect(res.status).toBe(204);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
    } catch (e) {
        return e;
    }
    throw new Error('expected a rejection');
}

beforeAll(async () => {
    sandbox = await startSandboxDataverse({ now: () => new Date('2026-03-02T10:00:00.000Z') });
    sandbox.records.put('re_unit', unitId, { re_code: 'MARINA-T1-1203', re_floor: 12, re_status: 100000001 });
    sandbox.records.put('contact', buyerId, { fullname: 'Buyer One' });
    sandbox.records.put('re_reservation', reservationId, {
        re_name: 'RSV-000123',
        re_unitid: { logicalName: 're_unit', id: unitId, name: null },
        re_buyerid: { logicalName: 'contact', id: buyerId, name: null },
        re_value: 1250000.5,
        re_bookingamount: 62500,
        re_reservedon: '2026-03-01T12:00:00+04:00',
        re_status: 100000000,
    });
    // Accepts connections and never answers: the client's timeout must end the call.
    idle = createServer(() => {});
    await new Promise<void>((resolve) => idle.listen(0, '127.0.0.1', () => resolve()));
    idleUrl = `http://127.0.0.1:${(idle.address() as AddressInfo).port}`;
});

afterAll(async () => {
    await sandbox.close();
    idle.closeAllConnections();
    await new Promise<void>((resolve) => idle.close(() => resolve()));
});

afterEach(async () => {
    await setFaults({});
    vi.restoreAllMocks();
});

describe('DataverseWebApiClient.retrieve', () => {
    it('normalises look-ups, money, choices and dates of the selected columns exactly as a webhook would', async () => {
        const row = await client().retrieve('re_reservation', reservationId.toUpperCase(), [
            're_name',
            're_unitid',
            're_buyerid',
            're_brokerfirmid',
            're_value',
            're_status',
            're_reservedon',
        ]);
        expect(row).toEqual({
            re_name: 'RSV-000123',
            re_unitid: { logicalName: 're_unit', id: unitId, name: 'MARINA-T1-1203' },
            re_buyerid: { logicalName: 'contact', id: buyerId, name: 'Buyer One' },
            re_brokerfirmid: null,
            re_value: 1250000.5,
            re_status: 100000000,
            re_reservedon: '2026-03-01T08:00:00.000Z',
        });
    });

    it('returns every column of the row when no columns are asked for', async () => {
        const row = await client().retrieve('re_reservation', reservationId);
        expect(row).toMatchObject({
            re_reservationid: reservationId,
            re_bookingamount: 62500,
            re_erppostingid: null,
            createdon: '2026-03-02T10:00:00.000Z',
            modifiedon: '2026-03-02T10:00:00.000Z',
        });
        expect(typeof row?.versionnumber).toBe('number');
        expect(Object.keys(row ?? {}).some((k) => k.includes('@') || k.startsWith('_'))).toBe(false);
    });

    it('returns undefined for a row that does not exist', async () => {
        expect(await client().retrieve('re_reservation', '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    });

    it('throws CrmThrottledError with the Retry-After delay on 429', async () => {
        await setFaults({ throttleEvery: 1 });
        const e = await caught(client().retrieve('re_reservation', reservationId));
        expect(isCrmThrottledError(e)).toBe(true);
        expect(e).toMatchObject({ code: 'CRM_THROTTLED', retryAfterMs: 1000 });
        expect((e as Error).message).toBe(
            `GET re_reservations(${reservationId}) answered 429: Number of requests exceeded the limit of 6000 over time window of 300 seconds.`,
        );
    });

    it('throws CrmUnavailableError when Dataverse is down', async () => {
        await setFaults({ down: true });
        const e = await caught(client().retrieve('re_reservation', reservationId));
        expect(isCrmUnavailableError(e)).toBe(true);
        expect((e as Error).message).toBe(
            `GET re_reservations(${reservationId}) answered 503: The service is temporarily unavailable.`,
        );
    });

    it('throws CrmAuthError when the token is missing', async () => {
        const e = await caught(client({ getToken: async () => '' }).retrieve('re_reservation', reservationId));
        expect(isCrmAuthError(e)).toBe(true);
        expect(e).toMatchObject({ code: 'CRM_AUTH', status: 401 });
    });

    it('throws CrmAuthError when no token can be acquired', async () => {
        const getToken = async () => {
            throw new Error('ManagedIdentityCredential: no identity endpoint');
        };
        const e = await caught(client({ getToken }).retrieve('re_reservation', reservationId));
        expect(isCrmAuthError(e)).toBe(true);
        expect((e as Error).message).toBe(
            `GET re_reservations(${reservationId}): no Dataverse token: ManagedIdentityCredential: no identity endpoint`,
        );
    });

    it('throws CrmUnavailableError when Dataverse does not answer in time', async () => {
        const e = await caught(client({ orgUrl: idleUrl, timeoutMs: 200 }).retrieve('re_reservation', reservationId));
        expect(isCrmUnavailableError(e)).toBe(true);
        expect((e as Error).message).toBe(`GET re_reservations(${reservationId}) got no answer within 200 ms`);
    });

    it('throws CrmRequestError with Dataverse error code for a column that does not exist', async () => {
        const e = await caught(client().retrieve('re_reservation', reservationId, ['re_nosuchcolumn']));
        expect(isCrmRequestError(e)).toBe(true);
        expect(e).toMatchObject({ code: 'CRM_REQUEST_REJECTED', status: 400, dataverseCode: '0x80060888' });
    });

    it('refuses a table without a configured entity set and an id that is not a GUID', async () => {
        await expect(client().retrieve('re_unknown', reservationId)).rejects.toThrow(
            'no entity set name is configured for re_unknown',
        );
        await expect(client().retrieve('re_reservation', "x')/contacts(")).rejects.toThrow(
            "re_reservation id 'x')/contacts(' is not a GUID",
        );
    });
});

describe('DataverseWebApiClient.writeBack', () => {
    it('PATCHes only the integration-owned columns and updates the row', async () => {
        const before = sandbox.records.writes.length;
        await client().writeBack('re_reservation', reservationId, {
            re_erppostingid: 'PST-42',
            re_erpsyncstatus: 'posted',
            re_erpsyncerror: null,
            re_erpsyncedon: '2026-03-02T10:05:00.000Z',
        });
        expect(sandbox.records.writes.slice(before)).toEqual([
            {
                entity: 're_reservation',
                id: reservationId,
                fields: {
                    re_erppostingid: 'PST-42',
                    re_erpsyncstatus: 'posted',
                    re_erpsyncerror: null,
                    re_erpsyncedon: '2026-03-02T10:05:00.000Z',
                },
                at: '2026-03-02T10:00:00.000Z',
            },
        ]);
        expect(sandbox.records.get('re_reservation', reservationId)).toMatchObject({
            re_name: 'RSV-000123',
            re_erppostingid: 'PST-42',
        });
    });

    it('refuses a CRM-owned column with CRM_FIELD_NOT_OWNED and sends no request', async () => {
        const fetchSpy = vi.spyOn(globalThis, 'fetch');
        const before = sandbox.records.writes.length;
        const e = await caught(
            client().writeBack('re_reservation', reservationId, { re_erppostingid: 'PST-43', re_status: 100000001 }),
        );
        expect(isCrmFieldNotOwnedError(e)).toBe(true);
        expect(e).toMatchObject({ code: 'CRM_FIELD_NOT_OWNED', entity: 're_reservation', field: 're_status' });
        expect((e as Error).message).toBe(
            'column re_reservation.re_status is not owned by the integration; refusing to write it',
        );
        expect(fetchSpy).not.toHaveBeenCalled();
        expect(sandbox.records.writes.length).toBe(before);
    });

    it('refuses every column of a table with no integration-owned columns', async () => {
        const e = await caught(client().writeBack('re_unit', unitId, { re_erppostingid: 'PST-1' }));
        expect(e).toMatchObject({ code: 'CRM_FIELD_NOT_OWNED', entity: 're_unit', field: 're_erppostingid' });
    });

    it('never creates a row: a deleted row answers CrmRequestError 404', async () => {
        const missing = '00000000-0000-4000-8000-0000000000aa';
        const e = await caught(client().writeBack('re_reservation', missing, { re_erpsyncstatus: 'posted' }));
        expect(isCrmRequestError(e)).toBe(true);
        expect(e).toMatchObject({ status: 404, dataverseCode: '0x80040217' });
        expect(sandbox.records.get('re_reservation', missing)).toBeUndefined();
    });

    it('throws CrmThrottledError on 429', async () => {
        await setFaults({ throttleEvery: 1 });
        const e = await caught(client().writeBack('re_reservation', reservationId, { re_erpsyncstatus: 'posted' }));
        expect(e).toMatchObject({ code: 'CRM_THROTTLED', retryAfterMs: 1000 });
    });

    it('throws CrmUnavailableError when nothing listens', async () => {
        const closed = await startSandboxDataverse();
        await closed.close();
        const e = await caught(
            client({ orgUrl: closed.url }).writeBack('re_reservation', reservationId, { re_erpsyncstatus: 'posted' }),
        );
        expect(isCrmUnavailableError(e)).toBe(true);
        expect((e as Error).message).toBe(
            `PATCH re_reservations(${reservationId}) failed: fetch failed (ECONNREFUSED)`,
        );
    });
});
