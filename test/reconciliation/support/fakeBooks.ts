import type { NormalizedAttributes } from '../../../src/dataverse/normalizedEvent';
import type { CrmTableReader } from '../../../src/ports/crmClient';
import type { ErpBuildingFigures, ErpRecord, ErpReporting } from '../../../src/ports/erpReporting';

const ref = (logicalName: string, id: string) => ({ logicalName, id, name: null });

/** A small CRM in normalised rows: one project, one building at 40 %, two reservations, a plan and receipts. */
export function crmRows(): Record<string, NormalizedAttributes[]> {
    return {
        re_project: [{ re_projectid: 'p1', re_code: 'MARINA' }],
        re_building: [{ re_buildingid: 'b1', re_code: 'MARINA-T1', re_projectid: ref('re_project', 'p1') }],
        re_unit: [
            { re_unitid: 'u1', re_code: 'MARINA-T1-0101', re_buildingid: ref('re_building', 'b1') },
            { re_unitid: 'u2', re_code: 'MARINA-T1-0102', re_buildingid: ref('re_building', 'b1') },
        ],
        re_reservation: [
            reservation('r1', 'RSV-1', 'u1', 1_000_000, 100000000),
            reservation('r2', 'RSV-2', 'u2', 800_000, 100000002),
            reservation('r3', 'RSV-3', 'u2', 900_000, 100000001),
        ],
        re_installment: [
            {
                re_installmentid: 'i1',
                re_name: 'RSV-1-01',
                re_reservationid: ref('re_reservation', 'r1'),
                re_amount: 100_000,
            },
            {
                re_installmentid: 'i2',
                re_name: 'RSV-2-01',
                re_reservationid: ref('re_reservation', 'r2'),
                re_amount: 80_000,
            },
        ],
        re_receipt: [
            {
                re_receiptid: 'c1',
                re_name: 'RCT-1',
                re_reservationid: ref('re_reservation', 'r1'),
                re_amount: 100_000,
                re_receivedon: '2026-11-10T08:00:00.000Z',
            },
            {
                re_receiptid: 'c2',
                re_name: 'RCT-2',
                re_reservationid: ref('re_reservation', 'r2'),
                re_amount: 80_000,
                re_receivedon: '2026-12-02T08:00:00.000Z',
            },
        ],
        re_constructionprogress: [
            {
                re_constructionprogressid: 'g1',
                re_buildingid: ref('re_building', 'b1'),
                re_percentcomplete: 40,
                re_period: '2026-11',
                re_reportedon: '2026-11-28T00:00:00.000Z',
            },
        ],
    };
}

function reservation(id: string, number: string, unit: string, value: number, status: number): NormalizedAttributes {
    return {
        re_reservationid: id,
        re_name: number,
        re_unitid: ref('re_unit', unit),
        re_value: value,
        re_bookingamount: value / 10,
        re_reservedon: '2026-11-05T09:00:00.000Z',
        re_status: status,
    };
}

/** Pages of two rows, so paging is exercised. */
export function fakeReader(rows: Record<string, NormalizedAttributes[]>): CrmTableReader & { calls: string[] } {
    const calls: string[] = [];
    return {
        calls,
        readPage: async (entity, request) => {
            calls.push(`${entity}${request.next ? ` ${request.next}` : ''}`);
            const all = rows[entity] ?? [];
            const from = request.next ? Number(request.next) : 0;
            const page = all.slice(from, from + 2);
            return {
                rows: page.map((attributes) => ({ attributes, formatted: {} })),
                ...(from + 2 < all.length ? { next: String(from + 2) } : {}),
            };
        },
    };
}

/** The ERP holding exactly what the CRM above says, at 40 %. */
export function erpBooks(): { figures: ErpBuildingFigures[]; records: ErpRecord[] } {
    return {
        figures: [
            {
                buildingCode: 'MARINA-T1',
                percentComplete: 40,
                progressPeriod: '2026-11',
                reservations: 2,
                contractValue: 1_800_000,
                bookingAmount: 180_000,
                invoiced: 180_000,
                received: 100_000,
                allocated: 100_000,
                onAccount: 0,
                recognisedRevenue: 720_000,
            },
        ],
        records: [
            {
                type: 'reservation',
                reference: 'RSV-1',
                sourceRecordId: 'r1',
                postingId: 'ERP-1',
                reservationNumber: 'RSV-1',
                amount: 1_000_000,
                status: 'active',
            },
            {
                type: 'reservation',
                reference: 'RSV-2',
                sourceRecordId: 'r2',
                postingId: 'ERP-2',
                reservationNumber: 'RSV-2',
                amount: 800_000,
                status: 'contracted',
            },
            {
                type: 'instalment',
                reference: 'RSV-1-01',
                sourceRecordId: 'i1',
                postingId: 'ERP-3',
                reservationNumber: 'RSV-1',
                amount: 100_000,
                status: 'paid',
            },
            {
                type: 'instalment',
                reference: 'RSV-2-01',
                sourceRecordId: 'i2',
                postingId: 'ERP-4',
                reservationNumber: 'RSV-2',
                amount: 80_000,
                status: 'open',
            },
            {
                type: 'receipt',
                reference: 'RCT-1',
                sourceRecordId: 'c1',
                postingId: 'ERP-5',
                reservationNumber: 'RSV-1',
                amount: 100_000,
                status: 'received',
            },
        ],
    };
}

export function fakeReporting(books: {
    figures: ErpBuildingFigures[];
    records: ErpRecord[];
}): ErpReporting & { recordCalls: string[] } {
    const recordCalls: string[] = [];
    return {
        recordCalls,
        buildingFigures: async () => books.figures,
        records: async (_period, building) => {
            recordCalls.push(building);
            return books.records;
        },
    };
}
