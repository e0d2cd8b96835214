import { beforeEach, describe, expect, it } from 'vitest';
import { ErpReceivables } from '../../../sandbox/erp/erpReceivables';

let books: ErpReceivables;
const invoice = (id: string, dueDate: string, amount: number, reservationNumber = 'RSV-1') =>
    books.invoice(id, { reservationNumber, dueDate, amount });

beforeEach(() => {
    books = new ErpReceivables();
    invoice('INS-3', '2027-03-01', 300.1);
    invoice('INS-1', '2027-01-01', 100.25);
    invoice('INS-2', '2027-02-01', 200);
    invoice('OTHER-1', '2026-12-01', 999, 'RSV-2');
});

describe('ErpReceivables.allocate', () => {
    it("splits a receipt over the reservation's open invoices, oldest due first, to the cent; the rest on account", () => {
        books.allocate('RCT-1', 'RSV-1', 250.5);
        books.allocate('RCT-2', 'RSV-1', 400.4);
        expect(books.allocations).toEqual([
            { receiptNumber: 'RCT-1', instalmentId: 'INS-1', amount: 100.25 },
            { receiptNumber: 'RCT-1', instalmentId: 'INS-2', amount: 150.25 },
            { receiptNumber: 'RCT-2', instalmentId: 'INS-2', amount: 49.75 },
            { receiptNumber: 'RCT-2', instalmentId: 'INS-3', amount: 300.1 },
            { receiptNumber: 'RCT-2', instalmentId: null, amount: 50.55 },
        ]);
        expect([...books.invoices.values()].map((i) => [i.instalmentId, i.outstanding, i.status])).toEqual([
            ['INS-3', 0, 'paid'],
            ['INS-1', 0, 'paid'],
            ['INS-2', 0, 'paid'],
            ['OTHER-1', 999, 'open'],
        ]);
    });

    it('gives back what an amended receipt had allocated before allocating it again', () => {
        books.allocate('RCT-1', 'RSV-1', 250);
        books.allocate('RCT-1', 'RSV-1', 50);
        expect(books.allocations).toEqual([{ receiptNumber: 'RCT-1', instalmentId: 'INS-1', amount: 50 }]);
        expect([books.invoices.get('INS-1')?.outstanding, books.invoices.get('INS-2')?.status]).toEqual([
            50.25,
            'open',
        ]);
    });
});

describe('ErpReceivables.invoice', () => {
    it('keeps what was paid when an invoice is amended: raised reopens it, lowered below the paid amount closes it', () => {
        books.allocate('RCT-1', 'RSV-1', 100.25);
        invoice('INS-1', '2027-01-01', 150);
        expect(books.invoices.get('INS-1')).toMatchObject({ amount: 150, outstanding: 49.75, status: 'open' });
        invoice('INS-1', '2027-01-01', 80);
        expect(books.invoices.get('INS-1')).toMatchObject({ amount: 80, outstanding: 0, status: 'paid' });
    });
});

describe('ErpReceivables.cancelPlan', () => {
    it('cancels the open invoices of the plan only once, keeps paid ones, and a later receipt goes on account', () => {
        books.allocate('RCT-1', 'RSV-1', 100.25);
        books.cancelPlan('RSV-1');
        books.cancelPlan('RSV-1');
        expect([...books.invoices.values()].map((i) => [i.instalmentId, i.status])).toEqual([
            ['INS-3', 'cancelled'],
            ['INS-1', 'paid'],
            ['INS-2', 'cancelled'],
            ['OTHER-1', 'open'],
        ]);
        expect(books.cancelledPlans).toEqual(['RSV-1']);
        books.allocate('RCT-2', 'RSV-1', 10);
        expect(books.allocations.at(-1)).toEqual({ receiptNumber: 'RCT-2', instalmentId: null, amount: 10 });
        invoice('INS-2', '2027-02-01', 250);
        expect(books.invoices.get('INS-2')?.status).toBe('cancelled');
    });
});
