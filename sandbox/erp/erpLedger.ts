import type { Allocation, ErpBooks, Invoice, PeriodStatus, Posting } from './erpBooks';

/** Arrival times kept for the peak: a day of calls at 10/s; the oldest go first beyond it. */
const requestLogLimit = 1_000_000;

/**
 * Every call to the ERP API, counted by the status it was answered with (rejected calls included), and the request
 * log: when each call arrived, so the busiest second can be measured the way the ERP's own limiter sees it.
 */
export class CallCounter {
    total = 0;
    byStatus: Record<string, number> = {};
    #arrivals: number[] = [];

    /** One call that arrived at `receivedAtMs` and was answered `status`. */
    count(status: number, receivedAtMs: number = Date.now()): void {
        this.total++;
        this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
        this.#arrivals.push(receivedAtMs);
        if (this.#arrivals.length > requestLogLimit) this.#arrivals = this.#arrivals.slice(-requestLogLimit / 2);
    }

    /** The request log: arrival times (epoch ms) of the calls counted, oldest first, at most the last million. */
    get arrivals(): readonly number[] {
        return [...this.#arrivals].sort((a, b) => a - b);
    }

    /** The most calls that arrived within any `windowMs` (a sliding window, not clock-aligned seconds). */
    peakIn(windowMs = 1000): number {
        const times = this.arrivals;
        let peak = 0;
        let from = 0;
        for (let to = 0; to < times.length; to++) {
            while ((times[to] ?? 0) - (times[from] ?? 0) >= windowMs) from++;
            peak = Math.max(peak, to - from + 1);
        }
        return peak;
    }

    reset(): void {
        this.total = 0;
        this.byStatus = {};
        this.#arrivals = [];
    }
}

/**
 * The ground truth tests and benchmarks read (`GET /sandbox/ledger`): every accepted write once, in arrival order,
 * and every call counted. A copy: reading it changes nothing and later calls do not change it.
 */
export interface ErpLedger {
    calls: number;
    callsByStatus: Record<string, number>;
    /** The most calls that arrived within any one second (sliding), rejected ones included. */
    peakCallsPerSec: number;
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
        peakCallsPerSec: calls.peakIn(1000),
        postings: books.postings,
        invoices: [...books.invoices.values()],
        allocations: books.allocations,
        cancelledPlans: books.cancelledPlans,
        payoutHolds: books.payoutHolds,
        periods: Object.fromEntries(books.periods),
    });
}
