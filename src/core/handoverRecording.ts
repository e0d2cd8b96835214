import type { TransactionEnvelope } from '../domain/transaction';
import type { Clock } from '../ports/clock';
import type { HandoverStore } from '../ports/handoverStore';
import type { Logger } from '../ports/logger';

/**
 * A unit confirmed as Ready for handover opens a handover for its owner's notice, once per unit and handover date:
 * a unit moved back and forth (Ready → Sold → Ready) with the same date does not notify twice.
 */
export async function recordHandover(
    envelope: TransactionEnvelope,
    deps: { handovers: HandoverStore; clock: Clock; logger: Logger },
): Promise<void> {
    const data = envelope.data;
    if (envelope.type !== 'unitStatus' || data.status !== 'readyForHandover') return;
    const readyOn =
        typeof data.readyForHandoverOn === 'string'
            ? data.readyForHandoverOn.slice(0, 10)
            : envelope.source.changedAt.slice(0, 10);
    const unitId = String(data.unitId);
    const outcome = await deps.handovers.open({
        key: `${unitId}:${readyOn}`,
        unitId,
        unitCode: String(data.unitCode ?? ''),
        ownerId: typeof data.ownerId === 'string' ? data.ownerId : null,
        readyOn,
        createdAt: deps.clock.now().toISOString(),
        transactionId: envelope.transactionId,
        notice: 'pending',
    });
    deps.logger.info(outcome === 'created' ? 'handover opened' : 'handover already open; no second notice', {
        unitId,
        readyOn,
    });
}
