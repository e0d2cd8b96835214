import { randomUUID } from 'node:crypto';
import type { TransactionEnvelope } from '../domain/transaction';
import type { Clock } from '../ports/clock';
import type { Condition, ConditionStore } from '../ports/conditionStore';
import type { Logger } from '../ports/logger';
import type { SessionQueue } from '../ports/sessionQueue';
import type { ErpBreaker } from './circuitBreaker';
import { crmUnavailableKey, erpUnavailableKey } from './conditionKeys';

export interface ClearingDeps {
    conditions: ConditionStore;
    queue: Pick<SessionQueue, 'send'>;
    clock: Clock;
    logger: Logger;
    breaker: ErpBreaker;
}

/**
 * Clears a condition and sends a reprocess message into every unit parked under it: each unit retries its parked
 * transaction and then releases the ones held behind it, in order, batch by batch (SessionDeps.retryPolicy).
 * Each unit takes itself off the condition's list when it handles the message, inside its own session: were this
 * function to remove them after sending, a unit that had already handled the message and parked again (the condition
 * re-opened meanwhile) would be taken off the list it just rejoined, and wait for good (seen in a launch).
 */
export async function reprocessCondition(
    key: string,
    deps: ClearingDeps,
    reason: string,
): Promise<{ sessions: number }> {
    const at = deps.clock.now().toISOString();
    await deps.conditions.clear(key, at);
    const sessions = await deps.conditions.parkedSessions(key);
    if (sessions.length > 0) {
        await deps.queue.send(
            sessions.map((sessionId) => ({
                messageId: `reprocess-${randomUUID()}`,
                sessionId,
                // What waits for Dataverse is the units' CRM sync, not their ERP blocker.
                body: { control: key === crmUnavailableKey ? 'sync' : 'reprocess', reason, condition: key },
            })),
        );
    }
    deps.logger.info('condition cleared; parked transactions reprocessed', {
        condition: key,
        sessions: sessions.length,
        reason,
    });
    return { sessions: sessions.length };
}

/** Conditions a posting clears (once the ERP holds it; the CRM sync is a step of its own): construction progress lifts milestones, a posted record lifts what waited on it. */
export async function afterPosted(envelope: TransactionEnvelope, deps: ClearingDeps): Promise<void> {
    if (envelope.type !== 'constructionProgress' && envelope.type !== 'customer' && envelope.type !== 'reservation') {
        const outage = await deps.conditions.get(erpUnavailableKey);
        if (outage?.status === 'active')
            await reprocessCondition(erpUnavailableKey, deps, 'the ERP accepted a posting again');
        return;
    }
    const data = envelope.data;
    const clears = (c: Condition): boolean => {
        if (c.kind === 'erpUnavailable') return true;
        if (envelope.type === 'constructionProgress' && c.kind === 'milestone') {
            return (
                c.details.buildingCode === data.buildingCode &&
                Number(c.details.requiredPercent) <= Number(data.percentComplete)
            );
        }
        if (c.kind === 'dependency') {
            const reference = envelope.type === 'customer' ? data.contactId : data.reservationNumber;
            return c.details.reference === reference;
        }
        if (c.kind === 'activePlan') {
            // The first plan's cancellation posted: the unit may carry the next buyer's plan.
            return (
                envelope.type === 'reservation' &&
                data.status === 'cancelled' &&
                c.details.activeReservation === data.reservationNumber
            );
        }
        return false;
    };
    for (const condition of await deps.conditions.listActive()) {
        if (clears(condition))
            await reprocessCondition(condition.key, deps, `${envelope.type} ${envelope.source.recordId} posted`);
    }
}

/** Ends a condition by sending every unit parked under it a quarantine message: their parked transaction goes to review. */
export async function quarantineCondition(key: string, deps: ClearingDeps): Promise<{ sessions: number }> {
    const at = deps.clock.now().toISOString();
    await deps.conditions.clear(key, at);
    const sessions = await deps.conditions.parkedSessions(key);
    if (sessions.length > 0) {
        await deps.queue.send(
            sessions.map((sessionId) => ({
                messageId: `quarantine-${randomUUID()}`,
                sessionId,
                body: { control: 'quarantine', reason: key, condition: key },
            })),
        );
    }
    deps.logger.warn('condition outlived its grace period; parked transactions quarantined for review', {
        condition: key,
        sessions: sessions.length,
    });
    return { sessions: sessions.length };
}
