import type { Failure } from '../domain/failure';
import type { ErpPostOutcome, ErpRequest } from '../ports/erpClient';

/** Long enough for the calls that were waiting for a slot when the refusal came (a fleet's queue: a few seconds). */
const rememberMs = 5_000;

const periodCondition = /^period (\S+) (?:frozen|closed)$/;

/**
 * Periods the ERP refused moments ago (frozen or closed), remembered in this instance for a few seconds, so that a
 * posting into one of them that was already waiting for its slot is not sent: the check for known conditions came
 * before it queued, and with a fleet of instances sharing the limit hundreds of postings can be in line. The
 * condition store stays the truth (a posting held back parks under the same condition and is reprocessed when it
 * clears); this only saves the ERP the refusals in between.
 */
export class RefusedPeriods {
    readonly #refused = new Map<string, { failure: Failure; until: number }>();

    constructor(private readonly now: () => number = Date.now) {}

    /** What the ERP said about this posting's period moments ago, if it refused it. */
    refusal(request: ErpRequest): Failure | undefined {
        const period = periodOf(request);
        const known = this.#refused.get(period);
        if (!known) return undefined;
        if (this.now() >= known.until) {
            this.#refused.delete(period);
            return undefined;
        }
        return { ...known.failure, message: `${known.failure.message} (refused moments ago; not sent)` };
    }

    /** Remembers a refusal of a period; an acceptance into it forgets it (the period reopened). */
    note(request: ErpRequest, outcome: ErpPostOutcome): void {
        const period = periodOf(request);
        if (outcome.kind === 'posted') {
            this.#refused.delete(period);
            return;
        }
        const refused = periodCondition.exec(outcome.failure.condition ?? '')?.[1];
        if (refused === period) this.#refused.set(period, { failure: outcome.failure, until: this.now() + rememberMs });
    }
}

/** The accounting period a posting goes into, as attemptTransaction reads it. */
function periodOf(request: ErpRequest): string {
    return String(request.body.postingDate ?? '').slice(0, 7);
}
