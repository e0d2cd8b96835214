import type { Allocation, ErpBooks, Invoice, PeriodStatus, Posting } from './erpBooks';

/** Every call to the ERP API, counted by the status it was answered with (rejected calls included). */
export class CallCounter {
    total = 0;
    byStatus: Record<string, number> = {};

    count(status: number): void {
        this.total++;
        this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    }

    reset(): void {
        this.total = 0;
        this.byStatus = {};
    }
}

/**
 * The ground truth tests and benchmarks read (`GET /sandbox/ledger`): every accepted write once, in arrival order,
 * and every call counted. A copy: reading it changes nothing and later calls do not change it.
 */
export interface ErpLedger {
    calls: number;
    callsByStatus: Record<string, number>;
    postings: Posting[];
    invoices: Invoice[];
    allocations: Allocation[];
    cancelledPlans: string[];
    payoutHolds: string[];
    periods: Record<string, PeriodStatus>;
}

export function ledgerOf(books: ErpBooks, calls: CallCounter): ErpLedger {
    return structuredClone({
        calls: calls.total,
        callsByStatus: calls.byStatus,
        postings: books.postings,
        invoices: [...books.invoices.values()],
        allocations: books.allocations,
        cancelledPlans: books.cancelledPlans,
        payoutHolds: books.payoutHolds,
        periods: Object.fromEntries(books.periods),
    });
}
