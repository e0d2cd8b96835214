import type { ErpClient, ErpPostOutcome, ErpRequest, ErpTarget } from '../ports/erpClient';
import type { CallPacer } from './callPacer';

/** The ERP client behind the pacer: every call takes a slot; a 429 pauses all callers for its Retry-After. */
export function pacedErpClient(inner: ErpClient, pacer: CallPacer): ErpClient {
    return {
        async post(request: ErpRequest): Promise<ErpPostOutcome> {
            await pacer.acquire();
            const outcome = await inner.post(request);
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
