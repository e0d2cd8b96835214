import type { TransactionRecord } from '../domain/transactionRecord';

/**
 * Oldest accepted first; the transaction id breaks ties so every store lists in the same order
 * (Table Storage has no insertion order to fall back on).
 */
export function byAcceptance(a: TransactionRecord, b: TransactionRecord): number {
    const at = a.envelope.acceptedAt;
    const bt = b.envelope.acceptedAt;
    if (at !== bt) return at < bt ? -1 : 1;
    const ai = a.envelope.transactionId;
    const bi = b.envelope.transactionId;
    return ai === bi ? 0 : ai < bi ? -1 : 1;
}
