import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ErpBooks } from '../../../sandbox/erp/erpBooks';
import { progressAsOf, recordsReport, revenueReport } from '../../../sandbox/erp/erpReports';
import { type SandboxErp, startSandboxErp } from '../../../sandbox/erp/sandboxErpServer';

const at = '2026-11-20T10:00:00.000Z';
let books: ErpBooks;
let keys = 0;
const key = () => `key-${++keys}`;
const apply = (resource: Parameters<ErpBooks['apply']>[0], reference: string, body: Record<string, unknown>) => {
    const k = key();
    return books.apply(
        resource,
        reference,
        k,
        { sourceRecordId: `src-${reference}`, integrationReference: k, postingDate: '2026-11-20', ...body },
        at,
    );
};

function launch(): void {
    apply('customers', 'c-1', { customerRef: 'c-1' });
    for (const [number, value, building, reservedOn] of [
        ['RSV-1', 1_000_000, 'T1', '2026-11-05'],
        ['RSV-2', 800_000, 'T1', '2026-11-06'],
        ['RSV-3', 500_000, 'T2', '2026-11-07'],
        ['RSV-4', 700_000, 'T1', '2026-12-02'],
    ] as const) {
        apply('reservations', number, {
            postingDate: reservedOn,
            reservationNumber: number,
            customerRef: 'c-1',
            unitCode: `U-${number}`,
            buildingCode: building,
            value,
            bookingAmount: value / 10,
            reservedOn,
            status: 'active',
        });
    }
    apply('instalments', 'RSV-1-01', { reservationNumber: 'RSV-1', dueDate: '2026-11-30', amount: 100_000 });
    apply('instalments', 'RSV-2-01', { reservationNumber: 'RSV-2', dueDate: '2026-11-30', amount: 80_000 });
    apply('receipts', 'RCT-1', { reservationNumber: 'RSV-1', amount: 150_000, receivedOn: '2026-11-10' });
    apply('receipts', 'RCT-2', { reservationNumber: 'RSV-2', amount: 50_000, receivedOn: '2026-11-11' });
    for (const [building, period, percent] of [
        ['T1', '2026-10', 20],
        ['T1', '2026-11', 40],
        ['T2', '2026-11', 10],
    ] as const) {
        apply('construction-progress', `${building}/${period}`, {
            postingDate: `${period}-28`,
            buildingCode: building,
            period,
            percentComplete: percent,
        });
    }
}

beforeEach(() => {
    books = new ErpBooks();
    keys = 0;
    launch();
});

describe('revenue report', () => {
    it('recognises each reservation at its building % complete as of the period, with receivables', () => {
        expect(revenueReport(books, '2026-11')).toEqual([
            {
                buildingCode: 'T1',
                percentComplete: 40,
                progressPeriod: '2026-11',
                reservations: 2,
                contractValue: 1_800_000,
                bookingAmount: 180_000,
                invoiced: 180_000,
                received: 200_000,
                allocated: 150_000,
                onAccount: 50_000,
                recognisedRevenue: 720_000,
            },
            {
                buildingCode: 'T2',
                percentComplete: 10,
                progressPeriod: '2026-11',
                reservations: 1,
                contractValue: 500_000,
                bookingAmount: 50_000,
                invoiced: 0,
                received: 0,
                allocated: 0,
                onAccount: 0,
                recognisedRevenue: 50_000,
            },
        ]);
        // As at October: the October progress, nothing reserved yet.
        expect(progressAsOf(books, 'T1', '2026-10')).toEqual({ percent: 20, period: '2026-10' });
        expect(revenueReport(books, '2026-10')).toEqual([]);
    });

    it('leaves a cancelled reservation out, and reports one building on request', () => {
        apply('reservations', 'RSV-2', {
            postingDate: '2026-11-20',
            reservationNumber: 'RSV-2',
            customerRef: 'c-1',
            unitCode: 'U-RSV-2',
            buildingCode: 'T1',
            value: 800_000,
            bookingAmount: 80_000,
            reservedOn: '2026-11-06',
            status: 'cancelled',
        });
        const [t1] = revenueReport(books, '2026-11', 'T1');
        expect([t1?.reservations, t1?.contractValue, t1?.recognisedRevenue, t1?.invoiced]).toEqual([
            1, 1_000_000, 400_000, 100_000,
        ]);
        expect(revenueReport(books, '2026-11', 'T9')).toEqual([]);
    });

    it('lists a building records with their CRM source and posting', () => {
        const lines = recordsReport(books, '2026-11', 'T1');
        expect(lines.map((l) => [l.type, l.reference, l.sourceRecordId, l.amount, l.status])).toEqual([
            ['reservation', 'RSV-1', 'src-RSV-1', 1_000_000, 'active'],
            ['reservation', 'RSV-2', 'src-RSV-2', 800_000, 'active'],
            ['instalment', 'RSV-1-01', 'src-RSV-1-01', 100_000, 'paid'],
            ['instalment', 'RSV-2-01', 'src-RSV-2-01', 80_000, 'open'],
            ['receipt', 'RCT-1', 'src-RCT-1', 150_000, 'received'],
            ['receipt', 'RCT-2', 'src-RCT-2', 50_000, 'received'],
        ]);
        expect(lines.every((l) => /^ERP-\d{7}$/.test(l.postingId))).toBe(true);
    });
});

describe('removing a record (a lost posting)', () => {
    it('forgets the receipt, its allocations and its key, so the same key posts it again', () => {
        const keyOfReceipt = books.postings.find((p) => p.reference === 'RCT-1')?.idempotencyKey ?? '';
        expect(books.remove('receipts', 'RCT-1')).toBe(true);
        expect(books.remove('receipts', 'RCT-1')).toBe(false);
        expect(books.postings.some((p) => p.reference === 'RCT-1')).toBe(false);
        expect(books.findByKey(keyOfReceipt)).toBeUndefined();
        expect(books.invoices.get('RSV-1-01')).toMatchObject({ outstanding: 100_000, status: 'open' });
        const [t1] = revenueReport(books, '2026-11', 'T1');
        expect([t1?.received, t1?.allocated, t1?.onAccount]).toEqual([50_000, 50_000, 0]);

        const again = books.apply(
            'receipts',
            'RCT-1',
            keyOfReceipt,
            {
                sourceRecordId: 'src-RCT-1',
                integrationReference: keyOfReceipt,
                postingDate: '2026-11-20',
                reservationNumber: 'RSV-1',
                amount: 150_000,
                receivedOn: '2026-11-10',
            },
            at,
        );
        expect([again.status, again.replayed]).toEqual([201, false]);
        // A new posting number: a removed one is never given again.
        const numbers = books.postings.map((p) => p.seq);
        expect(new Set(numbers).size).toBe(numbers.length);
    });

    it('takes a removed progress report back to the one before', () => {
        books.remove('construction-progress', 'T1/2026-11');
        expect(progressAsOf(books, 'T1', '2026-11')).toEqual({ percent: 20, period: '2026-10' });
        expect(books.progress('T1')).toBe(20);
    });
});

describe('over HTTP', () => {
    const started: SandboxErp[] = [];
    afterAll(async () => {
        await Promise.all(started.map((s) => s.close()));
    });
    const get = async (erp: SandboxErp, path: string) => {
        const r = await fetch(`${erp.url}${path}`, { headers: { authorization: 'Bearer t' } });
        return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const put = (erp: SandboxErp, path: string, k: string, body: Record<string, unknown>) =>
        fetch(`${erp.url}${path}`, {
            method: 'PUT',
            headers: { authorization: 'Bearer t', 'idempotency-key': k },
            body: JSON.stringify({
                sourceRecordId: `src-${k}`,
                integrationReference: k,
                postingDate: '2026-11-20',
                ...body,
            }),
        });

    it('serves the reports, names a bad query, and removes a record durably (journaled)', async () => {
        const dataFile = join(mkdtempSync(join(tmpdir(), 'erp-reports-')), 'erp.jsonl');
        const erp = await startSandboxErp({ dataFile });
        started.push(erp);
        await put(erp, '/erp/v1/customers/c-1', 'k1', { customerRef: 'c-1', firstName: 'A', lastName: 'B' });
        await put(erp, '/erp/v1/reservations/RSV-9', 'k2', {
            reservationNumber: 'RSV-9',
            customerRef: 'c-1',
            unitCode: 'U-9',
            buildingCode: 'T1',
            costCentre: 'CC-T1',
            value: 1_000_000,
            bookingAmount: 100_000,
            currency: 'AED',
            reservedOn: '2026-11-20',
            status: 'active',
        });
        await put(erp, '/erp/v1/receipts/RCT-9', 'k3', {
            receiptNumber: 'RCT-9',
            reservationNumber: 'RSV-9',
            amount: 100_000,
            receivedOn: '2026-11-20',
            method: 'bankTransfer',
        });
        const revenue = await get(erp, '/erp/v1/reports/revenue?period=2026-11');
        expect(revenue.status).toBe(200);
        expect(revenue.body.buildings).toMatchObject([
            { buildingCode: 'T1', contractValue: 1_000_000, received: 100_000 },
        ]);
        expect((await get(erp, '/erp/v1/reports/revenue')).body).toMatchObject({
            code: 'VALIDATION_FAILED',
            details: { errors: [{ field: 'period', reason: 'required, YYYY-MM' }] },
        });
        expect((await get(erp, '/erp/v1/reports/records?period=2026-11')).body).toMatchObject({
            details: { errors: [{ field: 'buildingCode', reason: 'required' }] },
        });
        const records = await get(erp, '/erp/v1/reports/records?period=2026-11&buildingCode=T1');
        expect((records.body.records as Array<{ reference: string }>).map((r) => r.reference)).toEqual([
            'RSV-9',
            'RCT-9',
        ]);

        const removed = await fetch(`${erp.url}/sandbox/records/receipts/RCT-9`, { method: 'DELETE' });
        expect([removed.status, await removed.json()]).toEqual([
            200,
            { removed: { resource: 'receipts', reference: 'RCT-9' } },
        ]);
        const again = await fetch(`${erp.url}/sandbox/records/receipts/RCT-9`, { method: 'DELETE' });
        expect(again.status).toBe(404);
        const unknown = await fetch(`${erp.url}/sandbox/records/widgets/X`, { method: 'DELETE' });
        expect(unknown.status).toBe(404);
        await erp.close();

        const restarted = await startSandboxErp({ dataFile });
        started.push(restarted);
        expect(restarted.books.postings.map((p) => p.reference)).toEqual(['c-1', 'RSV-9']);
        expect(restarted.books.allocations).toEqual([]);
    });
});
