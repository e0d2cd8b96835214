import type { ErpFleetState } from '../ports/erpFleetState';
import type { BreakerState, ErpBreaker } from './circuitBreaker';
import type { ErpFleetMember } from './erpFleetMember';

/**
 * The circuit breaker of the whole fleet, kept in the fleet's shared state (erpFleetState.ts). Each instance counts
 * its own consecutive transient failures (counting every call fleet-wide would mean a shared write per call); the
 * first to reach the threshold opens the breaker for every instance, which learns it within one read of the shared
 * state. When the open interval has passed, one instance claims the probe with a compare-and-set, so the fleet makes
 * one probe call, not one per instance; a success anywhere closes it for all, a failed probe opens it again. A probe
 * whose instance died is taken over once `openMs` has passed without an answer.
 */
export class FleetCircuitBreaker implements ErpBreaker {
    #failures = 0;
    /** Opened here and not yet seen in the shared state: this instance stops at once, not after its write. */
    #openedHereUntil = 0;
    /** The name this instance's last probe claim was made under (one per claim: one probe per claim, too). */
    #probeToken = '';
    /** The claim whose probe call has gone (stillAllows let it through). */
    #probeSentFor = '';
    #claims = 0;

    constructor(
        private readonly member: ErpFleetMember,
        private readonly options: { consecutiveFailures: number; openMs: number; freshMs?: number },
        private readonly now: () => number = Date.now,
    ) {}

    get snapshot(): BreakerState {
        const shared = this.member.cached.breaker;
        const here = this.#openedHereUntil > this.now() ? this.#openedHereUntil : 0;
        if (shared.state === 'open') return { state: 'open', until: Math.max(shared.until, here) };
        if (here > 0) return { state: 'open', until: here };
        if (shared.state === 'halfOpen') return { state: 'halfOpen' };
        return { state: 'closed', failures: this.#failures };
    }

    async allow(nowMs: number): Promise<boolean> {
        if (this.#openedHereUntil > nowMs) return false;
        this.#openedHereUntil = 0;
        const shared = (await this.member.state(this.options.freshMs ?? 250)).breaker;
        if (shared.state === 'closed') return true;
        return probeDue(shared, nowMs) && this.#claimProbe(nowMs);
    }

    /** As the shared state was last read here: the probe goes from the instance that claimed it, once. */
    stillAllows(): boolean {
        const snapshot = this.snapshot;
        if (snapshot.state === 'closed') return true;
        if (snapshot.state === 'open') return false;
        const shared = this.member.cached.breaker;
        if (shared.state !== 'halfOpen' || shared.prober !== this.#probeToken) return false;
        if (this.#probeSentFor === this.#probeToken) return false;
        this.#probeSentFor = this.#probeToken;
        return true;
    }

    failed(nowMs: number): void {
        const shared = this.member.cached.breaker;
        const probeFailed = shared.state === 'halfOpen' && shared.prober === this.#probeToken;
        this.#failures = probeFailed ? this.options.consecutiveFailures : this.#failures + 1;
        if (this.#failures < this.options.consecutiveFailures) return;
        this.#failures = 0;
        const until = nowMs + this.options.openMs;
        this.#openedHereUntil = until;
        this.#publish((s) =>
            s.breaker.state === 'open' && s.breaker.until >= until
                ? undefined
                : { ...s, breaker: { state: 'open', until, by: this.member.id } },
        );
    }

    succeeded(): void {
        this.#failures = 0;
        this.#openedHereUntil = 0;
        // Written only when the fleet's breaker is not closed as far as this instance knows, or it has not looked lately.
        this.member
            .state(this.options.freshMs ?? 250)
            .then((s) => {
                if (s.breaker.state !== 'closed')
                    this.#publish((c) =>
                        c.breaker.state === 'closed' ? undefined : { ...c, breaker: { state: 'closed' } },
                    );
            })
            .catch(() => undefined);
    }

    /** The one probe of the fleet: ours if the compare-and-set that marks it half-open with our name lands. */
    async #claimProbe(nowMs: number): Promise<boolean> {
        const probeUntil = nowMs + this.options.openMs;
        const mine = { state: 'halfOpen' as const, prober: `${this.member.id}/${++this.#claims}`, probeUntil };
        try {
            const after = await this.member.update((s) =>
                probeDue(s.breaker, nowMs) ? { ...s, breaker: mine } : undefined,
            );
            const won = after.breaker.state === 'halfOpen' && after.breaker.prober === mine.prober;
            if (won) this.#probeToken = mine.prober;
            return won;
        } catch {
            return false;
        }
    }

    #publish(change: (s: ErpFleetState) => ErpFleetState | undefined): void {
        this.member.update(change).catch(() => undefined);
    }
}

function probeDue(b: ErpFleetState['breaker'], nowMs: number): boolean {
    return (b.state === 'open' && nowMs >= b.until) || (b.state === 'halfOpen' && nowMs >= b.probeUntil);
}
