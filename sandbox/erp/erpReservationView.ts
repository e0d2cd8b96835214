import type { HttpAnswer } from './erpApi';
import type { ErpBooks } from './erpBooks';

const cents = (n: number) => Math.round(n * 100) / 100;

/**
 * `GET /erp/v1/reservations/{reservationNumber}`: the reservation as the ERP holds it, with its payment plan
 * (instalment invoices, oldest due first), every allocation of its receipts and what is left on account.
 */
export function reservationView(books: ErpBooks, reservationNumber: string): HttpAnswer | undefined {
    const held = books.held('reservations', reservationNumber);
    if (!held) return undefined;
    const instalments = [...books.invoices.values()]
        .filter((i) => i.reservationNumber === reservationNumber)
        .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.instalmentId.localeCompare(b.instalmentId));
    const receipts = new Set(
        [...books.records('receipts')]
            .filter(([, r]) => r.body.reservationNumber === reservationNumber)
            .map(([receiptNumber]) => receiptNumber),
    );
    const allocations = books.allocations.filter((a) => receipts.has(a.receiptNumber));
    const onAccount = allocations.filter((a) => a.instalmentId === null).reduce((sum, a) => cents(sum + a.amount), 0);
    const body = held.body;
    return {
        status: 200,
        body: {
            reservationNumber,
            postingId: held.postingId,
            sourceRecordId: held.sourceRecordId,
            status: body.status,
            customerRef: body.customerRef,
            unitCode: body.unitCode,
            buildingCode: body.buildingCode,
            value: body.value,
            currency: body.currency,
            instalments,
            allocations,
            onAccount,
        },
    };
}
