import type { Failure } from '../domain/failure';
import type { TransactionRecord } from '../domain/transactionRecord';
import type { StatePatch } from '../ports/transactionStore';

/**
 * The change that stops a transaction nothing moves any more (its message dead-lettered, or lost) and hands it to a
 * person: from the state it is in, taking over any ERP call claim (its handler is gone), and remembering that a call
 * claimed and never answered may have reached the ERP, so a retry looks it up first.
 */
export function haltPatch(record: TransactionRecord, state: 'review' | 'deadLettered', failure: Failure): StatePatch {
    return {
        state,
        from: [record.state],
        ifRevision: record.revision ?? 0,
        ...(record.claim ? { claimedBy: record.claim.owner } : {}),
        claim: null,
        lookUpBeforePush: record.lookUpBeforePush === true || record.state === 'processing',
        lastFailure: failure,
    };
}
