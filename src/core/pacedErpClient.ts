import type { ErpClient, ErpPostOutcome, ErpRequest, ErpTarget } from '../ports/erpClient';
import type { CallPacer } from './callPacer';
import type { ErpBreaker } from './circuitBreaker';
import { erpUnavailable } from './conditionKeys';
import type { RefusedPeriods } from './refusedPeriods';

/**
 * The ERP client behind the pacer: every call takes a slot; a 429 pauses all callers for its Retry-After.
 * A posting is looked at again once its slot comes, and not sent when, while it waited, the breaker opened or the ERP
 * refused its period: the checks before it queued are stale by then, and with a fleet of instances the line can be
 * seconds long, every instance's sessions waiting their turn. Look-ups and period probes go regardless: the probe is
 * how a condition learns that the ERP is back.
 */
export function pacedErpClient(
    inner: ErpClient,
    pacer: CallPacer,
    holdBack: { breaker?: Pick<ErpBreaker, 'stillAllows'>; refusedPeriods?: RefusedPeriods } = {},
): ErpClient {
    return {
        async post(request: ErpRequest): Promise<ErpPostOutcome> {
            await pacer.acquire();
            if (holdBack.breaker && !holdBack.breaker.stillAllows())
                return {
                    kind: 'failed',
                    failure: erpUnavailable('circuit opened while this call waited for its slot; not sent'),
                    notSent: true,
                };
            const refused = holdBack.refusedPeriods?.refusal(request);
            if (refused) return { kind: 'failed', failure: refused, notSent: true };
            const outcome = await inner.post(request);
            holdBack.refusedPeriods?.note(request, outcome);
            if (outcome.kind === 'failed' && outcome.status === 429) pacer.pause(outcome.failure.retryAfterMs ?? 1000);
            return outcome;
        },
        async findPostings(target: ErpTarget) {
            await pacer.acquire();
            return inner.findPostings(target);
        },
        async periodStatus(period: string) {
            await pacer.acquire();
            return inner.periodStatus(period);
        },
    };
}
