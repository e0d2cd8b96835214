import { randomUUID } from 'node:crypto';
import type { Failure } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import { finalStates, type TransactionRecord } from '../domain/transactionRecord';
import type { SessionGate } from '../ports/sessionGateStore';
import { attemptTransaction } from './attemptTransaction';
import { afterPosted } from './conditionClearing';
import { crmUnavailableKey } from './conditionKeys';
import { crmAnswered, enqueueSync, syncFields, syncLane } from './crmSync';
import { recordHandover } from './handoverRecording';
import { attemptFits, type Invocation, startInvocation } from './invocation';
import { auditNote } from './sessionAudit';
import { backlogKey, doneForOrder } from './sessionBacklog';
import type { SessionDeps } from './sessionDeps';
import type { SessionMessage } from './sessionMessage';
import { sessionScopedStores } from './sessionScopedStores';
import { leaving, scheduleRetry, settleFailure } from './settleFailure';
import { newerAppliedVersion } from './staleUpdate';
import { escalateIfStuck } from './stuckSweep';

export type { SessionDeps } from './sessionDeps';

type Verdict = { kind: 'resolved' } | { kind: 'blocked' } | { kind: 'inFlight'; until: string };

interface Run {
    deps: SessionDeps;
    invocation: Invocation;
}

/**
 * Handles one message of a unit's session. A unit's transactions reach the ERP in CRM order: while its earliest
 * unresolved transaction is retrying, parked, in review or dead-lettered, every later one is held behind it (durably,
 * in the gate) and released in order once it resolves. Other units are not affected.
 *
 * Every write is conditional on what this handler read (the gate's version, the transaction's state and ERP call
 * claim): if the session passed to another instance mid-invocation (the lock expired), this handler's next write
 * fails with a conflict and it stops, and the new holder's writes stand.
 */
export async function handleSessionMessage(
    sessionId: string,
    message: SessionMessage,
    sharedDeps: SessionDeps,
    invocation: Invocation = startInvocation(sharedDeps.clock.now().getTime(), sharedDeps.budget),
): Promise<void> {
    const run: Run = {
        deps: { ...sharedDeps, ...sessionScopedStores(sharedDeps.store, sharedDeps.gates) },
        invocation,
    };
    const gate = await run.deps.gates.get(sessionId);
    await handle(gate, message, run);
    // The CRM sync lane, after whatever the message did on the ERP side (never before it: the ERP never waits).
    const probing = message.kind === 'control' && message.control.condition === crmUnavailableKey;
    if (await syncLane(gate, run.deps, { probing })) await saveGate(gate, run);
}

async function handle(gate: SessionGate, message: SessionMessage, run: Run): Promise<void> {
    const { deps } = run;
    const sessionId = gate.sessionId;
    if (message.kind === 'transaction') {
        const envelope = message.envelope;
        const id = envelope.transactionId;
        // Intake records the transaction after enqueueing it; only if that write failed is the record missing here.
        let record = await deps.store.get(id);
        if (!record) {
            await deps.store.recordAccepted(envelope, envelope.acceptedAt);
            record = await deps.store.get(id);
        }
        if (!record || finalStates.has(record.state) || gate.held.includes(id)) return resumeDrain(gate, run);
        if (gate.blockedBy === id) {
            // A redelivery of the unit's blocker: scheduled retries and reprocess messages drive it, not duplicates,
            // unless it never got as far as a verdict (a crash mid-attempt).
            if (record.state === 'queued' || record.state === 'processing' || record.state === 'posted')
                await runAndDrain(gate, id, run);
            return;
        }
        if (gate.blockedBy && (await clearsBlocker(envelope, gate.blockedBy, run))) {
            // What the parked blocker waits for (the active plan's cancellation, the reservation a receipt needs) must
            // not queue behind it, or the unit would wait forever.
            const verdict = await runOne(id, run);
            await noteSync(gate, id, run);
            if (verdict.kind === 'resolved') await leaveBacklog(gate, id, run);
            else if (!gate.held.includes(id)) gate.held.unshift(id);
            await saveGate(gate, run);
            return;
        }
        if (gate.blockedBy || gate.held.length > 0) {
            gate.held.push(id);
            await saveGate(gate, run);
            if (record.state === 'queued')
                await deps.store.updateState(id, { state: 'held', from: ['queued'] }, deps.clock.now().toISOString());
            await auditNote(deps, envelope, 'hold', `waits behind ${gate.blockedBy ?? gate.held[0]}`);
            return;
        }
        await runAndDrain(gate, id, run);
        return;
    }
    const { control } = message;
    // Off the ended condition's list before acting: if the unit parks again it registers again, in this order.
    if (control.condition) await deps.conditions.removeParkedSession(control.condition, sessionId);
    if (control.control === 'drain') return resumeDrain(gate, run);
    if (control.control === 'sync') {
        // An operator closed a transaction (its row should say so), or the probe asks whether Dataverse is back.
        if (control.transactionId) await noteSync(gate, control.transactionId, run);
        // A blocker that waits for Dataverse (it needs the CRM row's personal data for the ERP) is tried again too.
        const blocker = gate.blockedBy ? await deps.store.get(gate.blockedBy) : undefined;
        if (blocker?.state === 'parked' && blocker.lastFailure?.condition === crmUnavailableKey && gate.blockedBy)
            await runAndDrain(gate, gate.blockedBy, run);
        return;
    }
    if (control.control === 'escalate') {
        const escalated = await escalateIfStuck(gate, control, deps);
        if (escalated && control.transactionId) await noteSync(gate, control.transactionId, run);
        if (escalated) await saveGate(gate, run);
        return;
    }
    // retry / reprocess / quarantine act on the transaction that blocks the unit; a stale one is ignored.
    const target = gate.blockedBy;
    if (!target) return resumeDrain(gate, run);
    if (control.transactionId && control.transactionId !== target) {
        if (control.control === 'retry' && gate.held.includes(control.transactionId))
            await retryHeld(gate, control.transactionId, target, run);
        return;
    }
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
        await deps.store.updateState(
            target,
            { state: 'review', from: ['parked'], lastFailure: failure },
            deps.clock.now().toISOString(),
        );
        await auditNote(deps, record.envelope, 'quarantine', failure.message);
        await noteSync(gate, target, run);
        await saveGate(gate, run);
        return;
    }
    await runAndDrain(gate, target, run);
}

/** A transaction whose state a salesperson should see in its CRM row joins the unit's sync lane. */
async function noteSync(gate: SessionGate, id: string, run: Run): Promise<void> {
    const record = await run.deps.store.get(id);
    if (record && syncFields(record, '')) enqueueSync(gate, id);
}

/** Stores the gate under the version it was read with, and keeps the new version for the next write. */
async function saveGate(gate: SessionGate, run: Run): Promise<void> {
    const version = await run.deps.gates.put(gate);
    if (version === undefined) delete gate.version;
    else gate.version = version;
}

/**
 * A host killed after the gate was saved unblocked but before its held transactions ran leaves them with nothing to
 * drive them (found by the kill -9 drill): the redelivered message, which finds nothing else to do, drains the gate.
 */
async function resumeDrain(gate: SessionGate, run: Run): Promise<void> {
    const next = gate.blockedBy ? undefined : gate.held[0];
    if (next) await runAndDrain(gate, next, run);
}

/**
 * Runs `first`, then releases held transactions in order: at most one batch per invocation, and only while one more
 * attempt fits in the invocation's lock budget. The rest continues in a drain message, in this session, so new
 * messages stay behind it.
 */
async function runAndDrain(gate: SessionGate, first: string, run: Run): Promise<void> {
    const { deps, invocation } = run;
    let next: string | undefined = first;
    let batch = deps.retryPolicy.reprocessBatchSize;
    while (next) {
        const ahead = await earlierUnfinished(gate, next, run);
        if (ahead.length > 0) {
            // Transactions accepted before this one and not done go first, then this one: those whose messages never
            // came, and those the gate holds out of order (a dead-letter or an escalation placed behind a later one).
            const lost = ahead.filter((id) => id !== gate.blockedBy && !gate.held.includes(id));
            gate.held = [...ahead, next, ...gate.held.filter((id) => id !== next && !ahead.includes(id))];
            gate.blockedBy = null;
            await saveGate(gate, run);
            for (const id of lost) {
                const record = await deps.store.get(id);
                if (record)
                    await auditNote(deps, record.envelope, 'resume', `its message was lost; runs before ${next}`);
            }
            next = ahead[0];
            if (!next) break;
        }
        const verdict = await runOne(next, run);
        await noteSync(gate, next, run);
        if (verdict.kind !== 'resolved') {
            gate.blockedBy = next;
            await saveGate(gate, run);
            if (verdict.kind === 'blocked') await runProviders(gate, next, run);
            if (verdict.kind === 'inFlight') {
                // Another handler's call for it may still be running: look again once its claim has run out.
                const record = await deps.store.get(next);
                if (record) await scheduleRetry(record.envelope, new Date(Date.parse(verdict.until) + 1), deps);
            }
            return;
        }
        gate.blockedBy = null;
        gate.held = gate.held.filter((id) => id !== next);
        // The row of what just posted is written now, within this attempt's budget, before the next one starts.
        await syncLane(gate, deps);
        await saveGate(gate, run);
        await leaveBacklog(gate, next, run);
        if (--batch <= 0 || !attemptFits(invocation, deps.clock.now().getTime(), deps.budget)) break;
        next = gate.held[0];
    }
    if (gate.held.length > 0) {
        await deps.queue.send([
            {
                messageId: `drain-${gate.sessionId}-${randomUUID()}`,
                sessionId: gate.sessionId,
                body: { control: 'drain' },
            },
        ]);
    }
}

/**
 * Earlier transactions of the session's backlog (accepted before `next`), in acceptance order, that are not done: the
 * unit's order is its backlog's, so they run first, whether their queue message was lost or the gate holds them
 * behind `next`. Entries found done are released.
 */
async function earlierUnfinished(gate: SessionGate, next: string, run: Run): Promise<string[]> {
    const { deps } = run;
    const current = await deps.store.get(next);
    if (!current || !gate.backlog || gate.backlog.length === 0) return [];
    const key = backlogKey(current.envelope);
    const ahead: string[] = [];
    for (const entry of gate.backlog) {
        if (entry.key >= key) break;
        const id = entry.transactionId;
        if (id === next) continue;
        const record = await deps.store.get(id);
        if (!record || doneForOrder(record.state)) await leaveBacklog(gate, id, run);
        else ahead.push(id);
    }
    return ahead;
}

/** A transaction done for the unit's order leaves the backlog; the stored row is removed at once. */
async function leaveBacklog(gate: SessionGate, id: string, run: Run): Promise<void> {
    const entry = gate.backlog?.find((e) => e.transactionId === id);
    if (entry) {
        gate.backlog = gate.backlog?.filter((e) => e !== entry);
        await run.deps.gates.release(gate.sessionId, entry.key);
        return;
    }
    // Not in the backlog read with the gate (admitted before the backlog existed, or read before it was admitted).
    const record = await run.deps.store.get(id);
    if (record && doneForOrder(record.state)) await run.deps.gates.release(gate.sessionId, backlogKey(record.envelope));
}

/**
 * The retry of a transaction that is held, not the blocker: one that overtook the parked blocker because it provides
 * what the blocker waits for, and then failed. It runs out of line again while the blocker still waits for it;
 * otherwise (the blocker went to review meanwhile) it waits in line like the others, as held.
 */
async function retryHeld(gate: SessionGate, id: string, blockerId: string, run: Run): Promise<void> {
    const record = await run.deps.store.get(id);
    if (record?.state !== 'retrying') return;
    if (await clearsBlocker(record.envelope, blockerId, run)) {
        const verdict = await runOne(id, run);
        await noteSync(gate, id, run);
        if (verdict.kind === 'resolved') {
            gate.held = gate.held.filter((x) => x !== id);
            await leaveBacklog(gate, id, run);
        }
        await saveGate(gate, run);
        return;
    }
    await run.deps.store.updateState(
        id,
        { state: 'held', from: ['retrying'], ifRevision: record.revision ?? 0 },
        run.deps.clock.now().toISOString(),
    );
    await auditNote(run.deps, record.envelope, 'hold', `waits behind ${blockerId}`);
}

/** Whether this transaction is what the unit's parked blocker waits for. */
async function clearsBlocker(envelope: TransactionEnvelope, blockedBy: string, run: Run): Promise<boolean> {
    const blocker = await run.deps.store.get(blockedBy);
    return blocker !== undefined && providesFor(envelope, blocker);
}

/**
 * Whether `envelope` is what the parked `blocker` waits for within its own unit: the cancellation of the active plan
 * a re-released unit's new plan waits for, or the reservation a receipt, instalment or claim arrived before (Dataverse
 * does not promise the order of asynchronous steps).
 */
function providesFor(envelope: TransactionEnvelope, blocker: TransactionRecord): boolean {
    const waitsFor = blocker.lastFailure?.details;
    if (blocker.state !== 'parked' || !waitsFor || envelope.type !== 'reservation') return false;
    const number = envelope.data.reservationNumber;
    if (envelope.action === 'cancel' && waitsFor.activeReservation === number) return true;
    return waitsFor.dependsOn === 'reservation' && waitsFor.reference === number;
}

/**
 * The unit's blocker just parked waiting for something a transaction already held behind it provides (it arrived
 * after the blocker): that one runs now, out of line, and its posting clears the blocker's condition, which
 * reprocesses the blocker in this session.
 */
async function runProviders(gate: SessionGate, blockerId: string, run: Run): Promise<void> {
    const blocker = await run.deps.store.get(blockerId);
    if (!blocker) return;
    for (;;) {
        let provider: string | undefined;
        for (const id of gate.held) {
            const record = await run.deps.store.get(id);
            if (record && providesFor(record.envelope, blocker)) {
                provider = id;
                break;
            }
        }
        if (!provider) return;
        const verdict = await runOne(provider, run);
        await noteSync(gate, provider, run);
        if (verdict.kind !== 'resolved') return;
        gate.held = gate.held.filter((id) => id !== provider);
        await saveGate(gate, run);
        await leaveBacklog(gate, provider, run);
    }
}

/** Another handler claimed an ERP call for it that may still be running. */
export function inFlightElsewhere(record: TransactionRecord, invocation: Invocation, nowMs: number): boolean {
    return (
        record.state === 'processing' &&
        record.claim !== undefined &&
        record.claim.owner !== invocation.id &&
        Date.parse(record.claim.until) > nowMs
    );
}

async function runOne(transactionId: string, run: Run): Promise<Verdict> {
    const { deps, invocation } = run;
    const record = await deps.store.get(transactionId);
    if (!record || finalStates.has(record.state)) return { kind: 'resolved' };
    if (record.state === 'review' || record.state === 'deadLettered') return { kind: 'blocked' };
    if (inFlightElsewhere(record, invocation, deps.clock.now().getTime()) && record.claim)
        return { kind: 'inFlight', until: record.claim.until };
    const envelope = record.envelope;
    const newer = await newerAppliedVersion(envelope, deps.store);
    if (newer) {
        await deps.store.updateState(
            transactionId,
            { state: 'stale', ...leaving(record, invocation) },
            deps.clock.now().toISOString(),
        );
        await auditNote(
            deps,
            envelope,
            'stale',
            `version ${envelope.source.version ?? '?'} is older than applied version ${newer}; not applied`,
        );
        return { kind: 'resolved' };
    }
    const outcome = await attemptTransaction(envelope, deps, invocation);
    if (outcome.kind === 'inFlight') return outcome;
    if (outcome.kind === 'posted') {
        // Once the ERP holds it: what waited for it may go on, whatever the CRM sync does.
        await afterPosted(envelope, deps);
        // Its personal data was just read from Dataverse: if others wait for Dataverse, it is back.
        if (envelope.personalFields && envelope.personalFields.length > 0)
            await crmAnswered(deps, 'Dataverse answered a read');
        await recordHandover(envelope, deps);
        return { kind: 'resolved' };
    }
    await settleFailure(envelope, outcome.failure, outcome.erpMayHoldIt, deps, invocation);
    return { kind: 'blocked' };
}
