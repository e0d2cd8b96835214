import { randomUUID } from 'node:crypto';
import type { Failure } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import type { TransactionRecord } from '../domain/transactionRecord';
import type { StatePatch } from '../ports/transactionStore';
import { conditionFor, retryBudgetExhausted } from './conditionKeys';
import type { Invocation } from './invocation';
import { backoffFor, retryDelayMs } from './retryPolicy';
import { auditNote } from './sessionAudit';
import type { SessionDeps } from './sessionDeps';

/** Failure detail: the attempt count from which transient failures count toward maxAttempts. */
const retriesCountFrom = 'retriesCountFrom';

/**
 * The state change out of the record as this handler last saw it: from that state only, ending this handler's claim
 * on an ERP call if it holds one. Written over a record someone else changed since, it is refused (a late writer).
 */
export function leaving(
    record: TransactionRecord,
    invocation: Invocation,
): Pick<StatePatch, 'from' | 'claimedBy' | 'ifRevision'> {
    return {
        from: [record.state],
        ifRevision: record.revision ?? 0,
        ...(record.claim?.owner === invocation.id ? { claimedBy: invocation.id } : {}),
    };
}

/**
 * After a failed attempt: park under the failure's condition, schedule a retry in the unit's session (transient),
 * or send it to review (a defect, a duplicate, or retries exhausted).
 */
export async function settleFailure(
    envelope: TransactionEnvelope,
    failure: Failure,
    erpMayHoldIt: boolean,
    deps: SessionDeps,
    invocation: Invocation,
): Promise<void> {
    const now = deps.clock.now();
    const at = now.toISOString();
    const id = envelope.transactionId;
    const record = await deps.store.get(id);
    if (!record) return;
    const attempts = record.attempts;
    const out: Pick<StatePatch, 'from' | 'claimedBy' | 'ifRevision' | 'claim' | 'lookUpBeforePush'> = {
        ...leaving(record, invocation),
        claim: null,
        lookUpBeforePush: erpMayHoldIt,
    };
    if (failure.condition) return park(envelope, failure as Failure & { condition: string }, deps, record, out);
    if (failure.class !== 'transient') {
        await deps.store.updateState(id, { state: 'review', lastFailure: failure, ...out }, at);
        deps.logger.warn('transaction sent to review', {
            transactionId: id,
            class: failure.class,
            code: failure.code,
            owner: failure.owner,
        });
        return;
    }
    const backoff = backoffFor(deps.retryPolicy, envelope.type);
    // maxAttempts bounds this transaction's own failures since it last waited out a condition. An answer with
    // Retry-After (a 429) is the ERP pacing every caller, not this transaction failing, so it is not counted either;
    // the daily retry budget still bounds those. (A launch escalated transactions that had merely been parked twice.)
    const from =
        Number(record.lastFailure?.details?.[retriesCountFrom] ?? 0) + (failure.retryAfterMs !== undefined ? 1 : 0);
    failure = { ...failure, details: { ...failure.details, [retriesCountFrom]: from } };
    if (attempts - from >= backoff.maxAttempts) {
        const escalated: Failure = { ...failure, message: `${failure.message} (escalated after ${attempts} attempts)` };
        await deps.store.updateState(id, { state: 'review', lastFailure: escalated, ...out }, at);
        await auditNote(deps, envelope, 'escalate', escalated.message);
        return;
    }
    const day = at.slice(0, 10);
    if ((await deps.meter.read(day)).retries >= deps.retryPolicy.dailyRetryBudget)
        return park(envelope, retryBudgetExhausted(day) as Failure & { condition: string }, deps, record, out);
    const delay = retryDelayMs(backoff, attempts, deps.random, failure.retryAfterMs);
    await deps.store.updateState(id, { state: 'retrying', lastFailure: failure, ...out }, at);
    await scheduleRetry(envelope, new Date(now.getTime() + delay), deps);
    await auditNote(deps, envelope, 'scheduleRetry', `retry ${attempts} in ${delay} ms`);
}

/**
 * A retry of the unit's blocker, in the unit's own session. Control messages get short random ids: a repeated id
 * would be dropped by the queue's duplicate detection (and the unit would stall), and ids built from transaction
 * ids and condition keys could pass Service Bus's 128 characters.
 */
export async function scheduleRetry(
    envelope: TransactionEnvelope,
    at: Date,
    deps: Pick<SessionDeps, 'queue'>,
): Promise<void> {
    await deps.queue.send([
        {
            messageId: `retry-${randomUUID()}`,
            sessionId: envelope.sessionId,
            body: { control: 'retry', transactionId: envelope.transactionId },
            scheduledEnqueueTime: at,
        },
    ]);
}

async function park(
    envelope: TransactionEnvelope,
    failure: Failure & { condition: string },
    deps: SessionDeps,
    record: TransactionRecord,
    out: Pick<StatePatch, 'from' | 'claimedBy' | 'ifRevision' | 'claim' | 'lookUpBeforePush'>,
): Promise<void> {
    const at = deps.clock.now().toISOString();
    await deps.conditions.open(conditionFor(failure, at));
    await deps.conditions.addParkedSession(failure.condition, envelope.sessionId);
    // Attempts made before a wait (frozen period, outage) are not held against the transaction afterwards.
    const lastFailure = { ...failure, details: { ...failure.details, [retriesCountFrom]: record.attempts } };
    await deps.store.updateState(envelope.transactionId, { state: 'parked', lastFailure, ...out }, at);
    deps.logger.info('transaction parked', {
        transactionId: envelope.transactionId,
        condition: failure.condition,
        owner: failure.owner,
    });
    // The probe may have cleared the condition while this attempt ran: it reprocesses the sessions parked when it
    // clears, and this one may have registered just after it looked. Looking again after registering closes that
    // gap (a launch left units parked under a period reopened seconds before): still standing, the probe will come
    // for it; cleared, the unit reprocesses itself, after this message, in its own session.
    const now = await deps.conditions.get(failure.condition);
    if (now?.status !== 'active') {
        await deps.queue.send([
            {
                messageId: `reprocess-${randomUUID()}`,
                sessionId: envelope.sessionId,
                body: {
                    control: 'reprocess',
                    reason: `${failure.condition} cleared while parking`,
                    condition: failure.condition,
                },
            },
        ]);
    }
}
