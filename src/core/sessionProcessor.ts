import { randomUUID } from 'node:crypto';
import type { Failure } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import { finalStates } from '../domain/transactionRecord';
import type { HandoverStore } from '../ports/handoverStore';
import type { SessionGate, SessionGateStore } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import { type AttemptDeps, attemptTransaction } from './attemptTransaction';
import { afterConfirmed } from './conditionClearing';
import { conditionFor, retryBudgetExhausted } from './conditionKeys';
import { recordHandover } from './handoverRecording';
import { backoffFor, type RetryPolicy, retryDelayMs } from './retryPolicy';
import type { SessionMessage } from './sessionMessage';
import { sessionScopedStores } from './sessionScopedStores';
import { newerAppliedVersion } from './staleUpdate';

export interface SessionDeps extends AttemptDeps {
    gates: SessionGateStore;
    handovers: HandoverStore;
    queue: Pick<SessionQueue, 'send'>;
    retryPolicy: RetryPolicy;
    random: () => number;
}

type Verdict = 'resolved' | 'blocked';

/**
 * Handles one message of a unit's session. A unit's transactions reach the ERP in CRM order: while its earliest
 * unresolved transaction is retrying, parked or in review, every later one is held behind it (durably, in the
 * gate) and released in order once it resolves. Other units are not affected.
 */
export async function handleSessionMessage(
    sessionId: string,
    message: SessionMessage,
    sharedDeps: SessionDeps,
): Promise<void> {
    const deps: SessionDeps = { ...sharedDeps, ...sessionScopedStores(sharedDeps.store, sharedDeps.gates) };
    const gate = await deps.gates.get(sessionId);
    if (message.kind === 'transaction') {
        const envelope = message.envelope;
        const id = envelope.transactionId;
        // Intake records the transaction after enqueueing it; only if that write failed is the record missing here.
        let record = await deps.store.get(id);
        if (!record) {
            await deps.store.recordAccepted(envelope, envelope.acceptedAt);
            record = await deps.store.get(id);
        }
        if (!record || finalStates.has(record.state) || gate.held.includes(id)) return resumeDrain(gate, deps);
        if (gate.blockedBy === id) {
            // A redelivery of the unit's blocker: scheduled retries and reprocess messages drive it, not duplicates,
            // unless it never got as far as a verdict (a crash mid-attempt).
            if (record.state === 'queued' || record.state === 'processing' || record.state === 'posted')
                await runAndDrain(gate, id, deps);
            return;
        }
        if (gate.blockedBy && gate.held.length === 0 && (await clearsBlocker(envelope, gate.blockedBy, deps))) {
            // The cancellation a parked plan waits for must not queue behind it, or the unit would wait forever.
            const verdict = await runOne(id, deps);
            if (verdict === 'blocked' && !gate.held.includes(id)) {
                gate.held.unshift(id);
                await deps.gates.put(gate);
            }
            return;
        }
        if (gate.blockedBy || gate.held.length > 0) {
            gate.held.push(id);
            await deps.gates.put(gate);
            await deps.store.updateState(id, { state: 'held' }, deps.clock.now().toISOString());
            await audit(deps, envelope, 'hold', `waits behind ${gate.blockedBy ?? gate.held[0]}`);
            return;
        }
        await runAndDrain(gate, id, deps);
        return;
    }
    const { control } = message;
    // Off the ended condition's list before acting: if the unit parks again it registers again, in this order.
    if (control.condition) await deps.conditions.removeParkedSession(control.condition, sessionId);
    if (control.control === 'drain') {
        const next = gate.blockedBy ? undefined : gate.held[0];
        if (next) await runAndDrain(gate, next, deps);
        return;
    }
    // retry / reprocess / quarantine act on the transaction that blocks the unit; a stale one is ignored.
    const target = gate.blockedBy;
    if (!target) return resumeDrain(gate, deps);
    if (control.transactionId && control.transactionId !== target) return;
    if (control.control === 'quarantine') {
        const record = await deps.store.get(target);
        if (record?.state !== 'parked') return;
        const failure: Failure = {
            class: 'duplicate',
            code: 'QUARANTINED',
            message: `still blocked after its grace period: ${control.reason ?? record.lastFailure?.condition ?? ''}`,
            owner: record.lastFailure?.owner ?? 'salesOperations',
            ...(record.lastFailure?.details ? { details: record.lastFailure.details } : {}),
        };
        await deps.store.updateState(target, { state: 'review', lastFailure: failure }, deps.clock.now().toISOString());
        await audit(deps, record.envelope, 'quarantine', failure.message);
        return;
    }
    await runAndDrain(gate, target, deps);
}

/**
 * A host killed after the gate was saved unblocked but before its held transactions ran leaves them with nothing to
 * drive them (found by the kill -9 drill): the redelivered message, which finds nothing else to do, drains the gate.
 */
async function resumeDrain(gate: SessionGate, deps: SessionDeps): Promise<void> {
    const next = gate.blockedBy ? undefined : gate.held[0];
    if (next) await runAndDrain(gate, next, deps);
}

/** Runs `first`, then releases held transactions in order, at most one batch per invocation. */
/*
 * Control messages get short random ids: a repeated id would be dropped by the queue's duplicate detection (and the
 * unit would stall), and ids built from transaction ids and condition keys could pass Service Bus's 128 characters.
 */
async function runAndDrain(gate: SessionGate, first: string, deps: SessionDeps): Promise<void> {
    let next: string | undefined = first;
    let budget = deps.retryPolicy.reprocessBatchSize;
    while (next) {
        const verdict = await runOne(next, deps);
        if (verdict === 'blocked') {
            gate.blockedBy = next;
            await deps.gates.put(gate);
            return;
        }
        gate.blockedBy = null;
        gate.held = gate.held.filter((id) => id !== next);
        await deps.gates.put(gate);
        if (--budget <= 0) break;
        next = gate.held[0];
    }
    if (gate.held.length > 0) {
        // A long backlog continues in the next invocation, still in this session, so new messages stay behind it.
        await deps.queue.send([
            {
                messageId: `drain-${gate.sessionId}-${randomUUID()}`,
                sessionId: gate.sessionId,
                body: { control: 'drain' },
            },
        ]);
    }
}

/** Whether this transaction is what the unit's parked blocker waits for (the active plan's cancellation). */
async function clearsBlocker(envelope: TransactionEnvelope, blockedBy: string, deps: SessionDeps): Promise<boolean> {
    if (envelope.type !== 'reservation' || envelope.action !== 'cancel') return false;
    const blocker = await deps.store.get(blockedBy);
    return (
        blocker?.state === 'parked' &&
        blocker.lastFailure?.details?.activeReservation === envelope.data.reservationNumber
    );
}

async function runOne(transactionId: string, deps: SessionDeps): Promise<Verdict> {
    const record = await deps.store.get(transactionId);
    if (!record) return 'resolved';
    if (finalStates.has(record.state)) return 'resolved';
    if (record.state === 'review' || record.state === 'deadLettered') return 'blocked';
    const envelope = record.envelope;
    const newer = await newerAppliedVersion(envelope, deps.store);
    if (newer) {
        await deps.store.updateState(transactionId, { state: 'stale' }, deps.clock.now().toISOString());
        await audit(
            deps,
            envelope,
            'stale',
            `version ${envelope.source.version ?? '?'} is older than applied version ${newer}; not applied`,
        );
        return 'resolved';
    }
    const outcome = await attemptTransaction(envelope, deps);
    if (outcome.kind === 'confirmed') {
        await afterConfirmed(envelope, deps);
        await recordHandover(envelope, deps);
        return 'resolved';
    }
    await settleFailure(envelope, outcome.failure, deps);
    return 'blocked';
}

/** Failure detail: the attempt count from which transient failures count toward maxAttempts. */
const retriesCountFrom = 'retriesCountFrom';

async function settleFailure(envelope: TransactionEnvelope, failure: Failure, deps: SessionDeps): Promise<void> {
    const now = deps.clock.now();
    const at = now.toISOString();
    const id = envelope.transactionId;
    const record = await deps.store.get(id);
    const attempts = record?.attempts ?? 1;
    if (failure.condition) return park(envelope, failure as Failure & { condition: string }, deps, attempts);
    if (failure.class !== 'transient') {
        await deps.store.updateState(id, { state: 'review', lastFailure: failure }, at);
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
        Number(record?.lastFailure?.details?.[retriesCountFrom] ?? 0) + (failure.retryAfterMs !== undefined ? 1 : 0);
    failure = { ...failure, details: { ...failure.details, [retriesCountFrom]: from } };
    if (attempts - from >= backoff.maxAttempts) {
        const escalated: Failure = { ...failure, message: `${failure.message} (escalated after ${attempts} attempts)` };
        await deps.store.updateState(id, { state: 'review', lastFailure: escalated }, at);
        await audit(deps, envelope, 'escalate', escalated.message);
        return;
    }
    const day = at.slice(0, 10);
    if ((await deps.meter.read(day)).retries >= deps.retryPolicy.dailyRetryBudget)
        return park(envelope, retryBudgetExhausted(day) as Failure & { condition: string }, deps, attempts);
    const delay = retryDelayMs(backoff, attempts, deps.random, failure.retryAfterMs);
    await deps.store.updateState(id, { state: 'retrying', lastFailure: failure }, at);
    await deps.queue.send([
        {
            messageId: `retry-${randomUUID()}`,
            sessionId: envelope.sessionId,
            body: { control: 'retry', transactionId: id },
            scheduledEnqueueTime: new Date(now.getTime() + delay),
        },
    ]);
    await audit(deps, envelope, 'scheduleRetry', `retry ${attempts} in ${delay} ms`);
}

async function park(
    envelope: TransactionEnvelope,
    failure: Failure & { condition: string },
    deps: SessionDeps,
    attempts: number,
): Promise<void> {
    const at = deps.clock.now().toISOString();
    await deps.conditions.open(conditionFor(failure, at));
    await deps.conditions.addParkedSession(failure.condition, envelope.sessionId);
    // Attempts made before a wait (frozen period, outage) are not held against the transaction afterwards.
    const lastFailure = { ...failure, details: { ...failure.details, [retriesCountFrom]: attempts } };
    await deps.store.updateState(envelope.transactionId, { state: 'parked', lastFailure }, at);
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

async function audit(deps: SessionDeps, envelope: TransactionEnvelope, action: string, note: string): Promise<void> {
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
