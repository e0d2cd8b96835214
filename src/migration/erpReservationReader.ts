/** What the ERP holds for one reservation's payment history: its invoices and the receipts allocated to them. */
export interface ErpReservationTotals {
    status: string | null;
    invoiced: number;
    allocated: number;
}

/** Reads a reservation back from the ERP (`GET /erp/v1/reservations/{number}`, docs/erp-contract.md). */
export interface ErpReservationReader {
    read(reservationNumber: string): Promise<ErpReservationTotals | undefined>;
}

const sum = (rows: unknown, field: string) =>
    Math.round(
        (Array.isArray(rows) ? rows : []).reduce(
            (s: number, r) => s + Number((r as Record<string, unknown>)[field] ?? 0),
            0,
        ) * 100,
    ) / 100;

export class HttpErpReservationReader implements ErpReservationReader {
    constructor(private readonly options: { baseUrl: string; getToken: () => Promise<string>; timeoutMs: number }) {}

    async read(reservationNumber: string): Promise<ErpReservationTotals | undefined> {
        const url = new URL(`/erp/v1/reservations/${encodeURIComponent(reservationNumber)}`, this.options.baseUrl);
        const response = await fetch(url, {
            headers: { authorization: `Bearer ${await this.options.getToken()}`, accept: 'application/json' },
            signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        if (response.status === 404) {
            await response.body?.cancel();
            return undefined;
        }
        if (!response.ok) throw new Error(`ERP read of ${reservationNumber} answered ${response.status}`);
        const body = (await response.json()) as {
            reservation?: { status?: unknown };
            instalments?: unknown;
            allocations?: unknown;
        };
        return {
            status: typeof body.reservation?.status === 'string' ? body.reservation.status : null,
            invoiced: sum(body.instalments, 'amount'),
            allocated: sum(body.allocations, 'amount'),
        };
    }
}
