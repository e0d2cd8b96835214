/** One instalment of a payment plan, as the ERP invoices it. */
export interface Invoice {
    instalmentId: string;
    reservationNumber: string;
    dueDate: string;
    amount: number;
    outstanding: number;
    status: 'open' | 'paid' | 'cancelled';
}

/** A share of a receipt applied to an invoice; `instalmentId: null` is the remainder kept as on-account credit. */
export interface Allocation {
    receiptNumber: string;
    instalmentId: string | null;
    amount: number;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/**
 * The ERP's receivables: instalment invoices, receipt allocations (oldest due date first, the rest on account)
 * and cancelled payment plans. Amounts are kept to the cent.
 */
export class ErpReceivables {
    readonly invoices = new Map<string, Invoice>();
    readonly allocations: Allocation[] = [];
    readonly cancelledPlans: string[] = [];

    reset(): void {
        this.invoices.clear();
        this.allocations.length = 0;
        this.cancelledPlans.length = 0;
    }

    /** Creates or amends an invoice; an amendment keeps what was already paid against it. */
    invoice(instalmentId: string, body: Record<string, unknown>): void {
        const amount = cents(Number(body.amount));
        const previous = this.invoices.get(instalmentId);
        const paid = previous ? cents(previous.amount - previous.outstanding) : 0;
        const outstanding = Math.max(0, cents(amount - paid));
        const status = previous?.status === 'cancelled' ? 'cancelled' : outstanding === 0 ? 'paid' : 'open';
        this.invoices.set(instalmentId, {
            instalmentId,
            reservationNumber: String(body.reservationNumber),
            dueDate: String(body.dueDate),
            amount,
            outstanding,
            status,
        });
    }

    /** A cancelled reservation closes its plan: open invoices are cancelled; paid ones and allocations stay. */
    cancelPlan(reservationNumber: string): void {
        for (const invoice of this.invoices.values()) {
            if (invoice.reservationNumber === reservationNumber && invoice.status === 'open')
                invoice.status = 'cancelled';
        }
        if (!this.cancelledPlans.includes(reservationNumber)) this.cancelledPlans.push(reservationNumber);
    }

    /**
     * Splits a receipt across the reservation's open invoices, oldest due date first; the rest stays on account.
     * An amended receipt first gives back what it had allocated, so it is never counted twice.
     */
    allocate(receiptNumber: string, reservationNumber: string, amount: number): void {
        this.#release(receiptNumber);
        let left = cents(amount);
        const open = [...this.invoices.values()]
            .filter((i) => i.reservationNumber === reservationNumber && i.status === 'open' && i.outstanding > 0)
            .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.instalmentId.localeCompare(b.instalmentId));
        for (const invoice of open) {
            if (left <= 0) break;
            const take = cents(Math.min(left, invoice.outstanding));
            invoice.outstanding = cents(invoice.outstanding - take);
            if (invoice.outstanding === 0) invoice.status = 'paid';
            left = cents(left - take);
            this.allocations.push({ receiptNumber, instalmentId: invoice.instalmentId, amount: take });
        }
        if (left > 0) this.allocations.push({ receiptNumber, instalmentId: null, amount: left });
    }

    /** Gives back everything a receipt had allocated (the receipt is gone from the books). */
    unallocate(receiptNumber: string): void {
        this.#release(receiptNumber);
    }

    /** Drops an invoice; allocations made to it stay on record (a lost invoice does not un-pay the receipt). */
    dropInvoice(instalmentId: string): void {
        this.invoices.delete(instalmentId);
    }

    #release(receiptNumber: string): void {
        for (let i = this.allocations.length - 1; i >= 0; i--) {
            const allocation = this.allocations[i];
            if (allocation?.receiptNumber !== receiptNumber) continue;
            const invoice = allocation.instalmentId ? this.invoices.get(allocation.instalmentId) : undefined;
            if (invoice) {
                invoice.outstanding = cents(invoice.outstanding + allocation.amount);
                if (invoice.status === 'paid') invoice.status = 'open';
            }
            this.allocations.splice(i, 1);
        }
    }
}
