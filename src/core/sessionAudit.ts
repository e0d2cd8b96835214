import type { TransactionEnvelope } from '../domain/transaction';
import type { Clock } from '../ports/clock';
import type { TransactionStore } from '../ports/transactionStore';

/** An audit line for something the session handler decided without calling anyone (hold, escalate, stale, ...). */
export async function auditNote(
    deps: { store: TransactionStore; clock: Clock },
    envelope: TransactionEnvelope,
    action: string,
    note: string,
): Promise<void> {
    const record = await deps.store.get(envelope.transactionId);
    await deps.store.appendAudit({
        at: deps.clock.now().toISOString(),
        transactionId: envelope.transactionId,
        sourceRecordId: envelope.source.recordId,
        action,
        outcome: 'skipped',
        entityMapVersion: envelope.entityMapVersion,
        attempt: record?.attempts ?? 0,
        correlationId: envelope.correlationId,
        payload: { note },
    });
}
