import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxErp, startSandboxErp } from '../../../sandbox/erp/sandboxErpServer';
import { ErpReportingClient } from '../../../src/adapters/erp-http/erpReportingClient';
import { ErpReportingError } from '../../../src/ports/erpReporting';

let erp: SandboxErp;
let liar: Server;
let liarUrl: string;
const client = (baseUrl: string) => new ErpReportingClient({ baseUrl, getToken: async () => 't', timeoutMs: 2_000 });

beforeAll(async () => {
    erp = await startSandboxErp();
    const at = '2026-11-20T10:00:00.000Z';
    erp.books.apply(
        'customers',
        'c-1',
        'k1',
        { sourceRecordId: 's-c', integrationReference: 'k1', postingDate: '2026-11-20', customerRef: 'c-1' },
        at,
    );
    erp.books.apply(
        'reservations',
        'RSV-1',
        'k2',
        {
            sourceRecordId: 's-r',
            integrationReference: 'k2',
            postingDate: '2026-11-20',
            reservationNumber: 'RSV-1',
            customerRef: 'c-1',
            unitCode: 'U-1',
            buildingCode: 'T 1/A',
            value: 1_000_000,
            bookingAmount: 100_000,
            reservedOn: '2026-11-20',
            status: 'active',
        },
        at,
    );
    // An ERP facade that answers outside the contract.
    liar = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ period: '2026-11', buildings: [{ buildingCode: 'T1', contractValue: 'lots' }] }));
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', () => r()));
    liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
});
afterAll(async () => {
    await erp.close();
    await new Promise<void>((r) => liar.close(() => r()));
});

describe('ErpReportingClient against the sandbox ERP', () => {
    it('reads building figures and records, encoding the building code', async () => {
        const figures = await client(erp.url).buildingFigures('2026-11');
        expect(figures).toEqual([
            expect.objectContaining({
                buildingCode: 'T 1/A',
                reservations: 1,
                contractValue: 1_000_000,
                recognisedRevenue: 0,
            }),
        ]);
        expect(await client(erp.url).records('2026-11', 'T 1/A')).toEqual([
            {
                type: 'reservation',
                reference: 'RSV-1',
                sourceRecordId: 's-r',
                postingId: 'ERP-0000002',
                reservationNumber: 'RSV-1',
                amount: 1_000_000,
                status: 'active',
            },
        ]);
    });

    it('throws ErpReportingError naming the route and the answer, never a half answer', async () => {
        await expect(client(erp.url).buildingFigures('2026-13')).rejects.toThrow(
            new ErpReportingError('GET /erp/v1/reports/revenue: ERP answered 400 VALIDATION_FAILED'),
        );
        erp.faults.update({ down: true });
        await expect(client(erp.url).records('2026-11', 'T1')).rejects.toThrow(
            'GET /erp/v1/reports/records: ERP answered 503 UNAVAILABLE',
        );
        erp.faults.update({ down: false });
        await expect(client('http://127.0.0.1:1').buildingFigures('2026-11')).rejects.toThrow(/ERP unreachable/);
        await expect(client(liarUrl).buildingFigures('2026-11')).rejects.toThrow(
            /the answer is outside the contract at buildings\.0\./,
        );
    });
});
