import type { Services } from '../../functions/services';
import { envelope } from '../contract/transactionStore.contract';

/** A transaction waiting in the review queue (a defect), as the processor leaves one. */
export async function withReviewItem(s: Pick<Services, 'store'>, transactionId = 'in-review'): Promise<string> {
    const e = envelope({ transactionId, sessionId: 'unit-9' });
    await s.store.recordAccepted(e, e.acceptedAt);
    const failure = { class: 'defect', code: 'LOOKUP_MISSING', message: 'no row', owner: 'integration' } as const;
    await s.store.updateState(
        e.transactionId,
        { from: ['queued'], state: 'review', lastFailure: failure },
        e.acceptedAt,
    );
    return e.transactionId;
}
