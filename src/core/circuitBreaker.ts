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

export class CircuitBreaker {
    #state: BreakerState = { state: 'closed', failures: 0 };

    constructor(private readonly options: { consecutiveFailures: number; openMs: number }) {}

    get snapshot(): BreakerState {
        return this.#state;
    }

    /** May a call go to the ERP now? In half-open, only the first asker gets the probe. */
    allow(nowMs: number): boolean {
        const s = this.#state;
        if (s.state === 'closed') return true;
        if (s.state === 'open' && nowMs >= s.until) {
            this.#state = { state: 'halfOpen' };
            return true;
        }
        return false;
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
