import type { ErpBooks, HeldRecord } from './erpBooks';

const cents = (n: number) => Math.round(n * 100) / 100;

/** A building's figures as the ERP holds them at the end of a period (`GET /erp/v1/reports/revenue`). */
export interface BuildingFigures {
    buildingCode: string;
    /** Construction % complete of the latest report for a period up to this one (0 without any). */
    percentComplete: number;
    /** The period that report was for, or null. */
    progressPeriod: string | null;
    /** Reservations that are not cancelled, reserved by the end of the period. */
    reservations: number;
    contractValue: number;
    bookingAmount: number;
    /** Instalment invoices of those reservations (cancelled invoices excluded). */
    invoiced: number;
    /** Receipts received by the end of the period, of any reservation of the building. */
    received: number;
    /** The part of those receipts allocated to instalment invoices; the rest is on account. */
    allocated: number;
    onAccount: number;
    /** Revenue recognised to date: each reservation's value × the building's % complete (to the cent). */
    recognisedRevenue: number;
}

/** One record as the ERP holds it, for a record-level investigation (`GET /erp/v1/reports/records`). */
export interface ErpRecordLine {
    type: 'reservation' | 'instalment' | 'receipt';
    reference: string;
    sourceRecordId: string;
    postingId: string;
    reservationNumber: string;
    /** Reservation: its value; instalment: the invoice amount; receipt: the amount received. */
    amount: number;
    /** Reservation: active | contracted | cancelled; instalment: open | paid | cancelled; receipt: received. */
    status: string;
}

const periodEnd = (period: string) => `${period}-31`;
const dateOf = (held: HeldRecord, field: string) => String(held.body[field] ?? held.body.postingDate ?? '');

/** The building's construction progress as of a period: the latest report for that period or an earlier one. */
export function progressAsOf(
    books: ErpBooks,
    buildingCode: string,
    period: string,
): { percent: number; period: string | null } {
    let best: { percent: number; period: string | null } = { percent: 0, period: null };
    for (const held of books.records('construction-progress').values()) {
        const reported = String(held.body.period ?? '');
        if (held.body.buildingCode !== buildingCode || reported > period) continue;
        if (best.period === null || reported >= best.period)
            best = { percent: Number(held.body.percentComplete), period: reported };
    }
    return best;
}

function buildingOf(books: ErpBooks, reservationNumber: string): string {
    return String(books.held('reservations', reservationNumber)?.body.buildingCode ?? '(unknown)');
}

/** Revenue, receivables and progress per building at the end of `period` (all buildings, or one). */
export function revenueReport(books: ErpBooks, period: string, buildingCode?: string): BuildingFigures[] {
    const end = periodEnd(period);
    const figures = new Map<string, BuildingFigures>();
    const of = (code: string): BuildingFigures => {
        let f = figures.get(code);
        if (!f) {
            const progress = progressAsOf(books, code, period);
            f = {
                buildingCode: code,
                percentComplete: progress.percent,
                progressPeriod: progress.period,
                reservations: 0,
                contractValue: 0,
                bookingAmount: 0,
                invoiced: 0,
                received: 0,
                allocated: 0,
                onAccount: 0,
                recognisedRevenue: 0,
            };
            figures.set(code, f);
        }
        return f;
    };
    const counted = new Set<string>();
    for (const [number, held] of books.records('reservations')) {
        if (held.body.status === 'cancelled' || dateOf(held, 'reservedOn') > end) continue;
        const f = of(String(held.body.buildingCode));
        const value = Number(held.body.value);
        counted.add(number);
        f.reservations++;
        f.contractValue = cents(f.contractValue + value);
        f.bookingAmount = cents(f.bookingAmount + Number(held.body.bookingAmount ?? 0));
        // Off-plan: revenue follows construction % complete, not the booking date.
        f.recognisedRevenue = cents(f.recognisedRevenue + cents((value * f.percentComplete) / 100));
    }
    for (const invoice of books.invoices.values()) {
        if (!counted.has(invoice.reservationNumber) || invoice.status === 'cancelled') continue;
        const f = of(buildingOf(books, invoice.reservationNumber));
        f.invoiced = cents(f.invoiced + invoice.amount);
    }
    const receiptBuilding = new Map<string, string>();
    for (const [number, held] of books.records('receipts')) {
        if (dateOf(held, 'receivedOn') > end) continue;
        const code = buildingOf(books, String(held.body.reservationNumber));
        receiptBuilding.set(number, code);
        const f = of(code);
        f.received = cents(f.received + Number(held.body.amount));
    }
    for (const allocation of books.allocations) {
        const code = receiptBuilding.get(allocation.receiptNumber);
        if (code === undefined) continue;
        const f = of(code);
        if (allocation.instalmentId === null) f.onAccount = cents(f.onAccount + allocation.amount);
        else f.allocated = cents(f.allocated + allocation.amount);
    }
    return [...figures.values()]
        .filter((f) => buildingCode === undefined || f.buildingCode === buildingCode)
        .sort((a, b) => a.buildingCode.localeCompare(b.buildingCode));
}

/** Every reservation, instalment and receipt of a building the ERP holds at the end of `period`, by reference. */
export function recordsReport(books: ErpBooks, period: string, buildingCode: string): ErpRecordLine[] {
    const end = periodEnd(period);
    const lines: ErpRecordLine[] = [];
    for (const [number, held] of books.records('reservations')) {
        if (held.body.buildingCode !== buildingCode || dateOf(held, 'reservedOn') > end) continue;
        lines.push({
            type: 'reservation',
            reference: number,
            sourceRecordId: held.sourceRecordId,
            postingId: held.postingId,
            reservationNumber: number,
            amount: Number(held.body.value),
            status: String(held.body.status),
        });
    }
    for (const [id, held] of books.records('instalments')) {
        const number = String(held.body.reservationNumber);
        if (buildingOf(books, number) !== buildingCode) continue;
        lines.push({
            type: 'instalment',
            reference: id,
            sourceRecordId: held.sourceRecordId,
            postingId: held.postingId,
            reservationNumber: number,
            amount: books.invoices.get(id)?.amount ?? Number(held.body.amount),
            status: books.invoices.get(id)?.status ?? 'open',
        });
    }
    for (const [number, held] of books.records('receipts')) {
        const reservation = String(held.body.reservationNumber);
        if (buildingOf(books, reservation) !== buildingCode || dateOf(held, 'receivedOn') > end) continue;
        lines.push({
            type: 'receipt',
            reference: number,
            sourceRecordId: held.sourceRecordId,
            postingId: held.postingId,
            reservationNumber: reservation,
            amount: Number(held.body.amount),
            status: 'received',
        });
    }
    return lines;
}
