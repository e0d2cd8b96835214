/**
 * A consecutive-failure circuit breaker for the ERP. Closed: calls flow. After `consecutiveFailures` transient
 * failures in a row it opens: no calls (transactions park under the condition "ERP unavailable") until `openMs`
 * has passed; then one probe call is let through (half-open). Success closes it, failure opens it again.
 * An outage therefore costs one probe per interval, not a retry storm. State is explicit so tests need no timers.
 */
export type BreakerState =
    | { state: 'closed'; failures: number }
    | { state: 'open'; until: number }
    | { state: 'halfOpen' };

/** What the core asks of a breaker: this instance's alone (below) or the fleet's (fleetCircuitBreaker.ts). */
export interface ErpBreaker {
    readonly snapshot: BreakerState;
    /** May a call go to the ERP now? While half-open, only the one probe may. */
    allow(nowMs: number): Promise<boolean>;
    /**
     * May a call allowed earlier, that has since waited for its slot, still go? Not once the breaker opened meanwhile;
     * while half-open, only the first such call (the probe).
     */
    stillAllows(): boolean;
    /** A transient failure (not a 429): counts toward opening. */
    failed(nowMs: number): void;
    /** The ERP answered: the breaker closes. */
    succeeded(): void;
}

/** One instance's own breaker: state in memory (tests, and the pipeline world of the core's tests). */
export class CircuitBreaker implements ErpBreaker {
    #state: BreakerState = { state: 'closed', failures: 0 };
    #probeSent = false;

    constructor(private readonly options: { consecutiveFailures: number; openMs: number }) {}

    get snapshot(): BreakerState {
        return this.#state;
    }

    /** May a call go to the ERP now? In half-open, only the first asker gets the probe. */
    async allow(nowMs: number): Promise<boolean> {
        const s = this.#state;
        if (s.state === 'closed') return true;
        if (s.state === 'open' && nowMs >= s.until) {
            this.#state = { state: 'halfOpen' };
            this.#probeSent = false;
            return true;
        }
        return false;
    }

    stillAllows(): boolean {
        const s = this.#state.state;
        if (s === 'closed') return true;
        if (s === 'open' || this.#probeSent) return false;
        this.#probeSent = true;
        return true;
    }

    succeeded(): void {
        this.#state = { state: 'closed', failures: 0 };
    }

    /** Only transient failures count: a defect or a business block says nothing about the ERP's health. */
    failed(nowMs: number): void {
        const s = this.#state;
        const failures = s.state === 'closed' ? s.failures + 1 : this.options.consecutiveFailures;
        this.#state =
            failures >= this.options.consecutiveFailures
                ? { state: 'open', until: nowMs + this.options.openMs }
                : { state: 'closed', failures };
    }
}
