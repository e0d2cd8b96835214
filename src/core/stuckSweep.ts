import { randomUUID } from 'node:crypto';
import type { Failure } from '../domain/failure';
import type { TransactionRecord, TransactionState } from '../domain/transactionRecord';
import type { Clock } from '../ports/clock';
import type { ConditionStore } from '../ports/conditionStore';
import type { Logger } from '../ports/logger';
import type { SessionGate, SessionGateStore } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';
import { haltPatch } from './haltPatch';
import { backoffFor, type RetryPolicy } from './retryPolicy';
import { auditNote } from './sessionAudit';
import { backlogKey, doneForOrder } from './sessionBacklog';
import type { ControlMessage } from './sessionMessage';

/** States a transaction passes through on its own; one that stays in them too long has lost what moves it. */
const movingStates = [
    'queued',
    'processing',
    'posted',
    'retrying',
    'held',
] as const satisfies readonly TransactionState[];

/** Blockers a held transaction may legitimately wait behind: a person, a condition, a scheduled retry, a call. */
const waitingBlockers: ReadonlySet<TransactionState> = new Set([
    'review',
    'deadLettered',
    'parked',
    'retrying',
    'processing',
]);

export interface SweepDeps {
    store: TransactionStore;
    conditions: Pick<ConditionStore, 'get'>;
    gates: SessionGateStore;
    queue: Pick<SessionQueue, 'send'>;
    clock: Clock;
    logger: Logger;
    retryPolicy: Pick<RetryPolicy, 'stuckAfterMs' | 'default' | 'byType'>;
}

export interface SweepReport {
    examined: number;
    /** Transactions handed to their session to be escalated (the session checks again before it does). */
    escalating: string[];
    /** A listing reached its limit: run again for the rest. */
    truncated: boolean;
}

/** How long a transaction may sit in its state before it counts as stuck (a retry waits out its backoff first). */
function stuckAfter(record: TransactionRecord, policy: SweepDeps['retryPolicy']): number {
    const backoff = record.state === 'retrying' ? backoffFor(policy as RetryPolicy, record.envelope.type).capMs : 0;
    return policy.stuckAfterMs + backoff;
}

/**
 * The stuck-transaction sweep (timer `sweep-stuck`): finds transactions that have not moved for longer than they
 * ever should (its queue message dead-lettered after repeated infrastructure faults, a retry or drain message lost)
 * and sends each an `escalate` message into its unit's session. The session, in order behind anything still queued
 * for the unit, checks it has really not moved and sends it to review with its reason, which raises an alert.
 * Held transactions waiting behind a blocker that is itself waiting (a person, a condition) are not stuck.
 */
export async function sweepStuckTransactions(deps: SweepDeps, max = 1000): Promise<SweepReport> {
    const now = deps.clock.now().getTime();
    const report: SweepReport = { examined: 0, escalating: [], truncated: false };
    const stuck: TransactionRecord[] = [];
    for (const state of movingStates) {
        const records = await deps.store.listByState(state, max);
        report.truncated ||= records.length >= max;
        for (const record of records) {
            report.examined++;
            if (now - Date.parse(record.updatedAt) < stuckAfter(record, deps.retryPolicy)) continue;
            if (state === 'held' && (await waitsBehindBlocker(record, deps))) continue;
            // Posted and waiting for Dataverse to come back: the CRM sync catches up by itself.
            const waitsFor = record.lastFailure?.condition;
            if (state === 'posted' && waitsFor && (await deps.conditions.get(waitsFor))?.status === 'active') continue;
            stuck.push(record);
        }
    }
    // One send per unit, oldest first: the unit's session sees them in its own order.
    const bySession = new Map<string, TransactionRecord[]>();
    for (const record of stuck)
        bySession.set(record.envelope.sessionId, [...(bySession.get(record.envelope.sessionId) ?? []), record]);
    for (const [sessionId, records] of bySession) {
        records.sort((a, b) => (backlogKey(a.envelope) < backlogKey(b.envelope) ? -1 : 1));
        await deps.queue.send(
            records.map((record) => ({
                messageId: `escalate-${randomUUID()}`,
                sessionId,
                body: {
                    control: 'escalate',
                    transactionId: record.envelope.transactionId,
                    since: record.updatedAt,
                } satisfies ControlMessage,
            })),
        );
        report.escalating.push(...records.map((r) => r.envelope.transactionId));
    }
    if (report.escalating.length > 0)
        deps.logger.warn('stuck transactions sent to their sessions for review', {
            count: report.escalating.length,
        });
    return report;
}

async function waitsBehindBlocker(record: TransactionRecord, deps: SweepDeps): Promise<boolean> {
    const gate = await deps.gates.get(record.envelope.sessionId);
    return blockerWaits(gate, record.envelope.transactionId, deps.store);
}

async function blockerWaits(gate: SessionGate, id: string, store: TransactionStore): Promise<boolean> {
    if (!gate.blockedBy || gate.blockedBy === id) return false;
    const blocker = await store.get(gate.blockedBy);
    return blocker !== undefined && waitingBlockers.has(blocker.state);
}

/**
 * In the unit's session: sends the transaction to review if it has not moved since the sweep saw it, and makes it
 * the unit's blocker (later transactions wait behind it as behind any review item); a posted one, whose CRM row only
 * was never written, goes to the sync lane instead. Answers whether it acted.
 */
export async function escalateIfStuck(
    gate: SessionGate,
    control: ControlMessage,
    deps: { store: TransactionStore; clock: Clock },
): Promise<boolean> {
    const id = control.transactionId;
    if (!id) return false;
    const record = await deps.store.get(id);
    if (!record || record.updatedAt !== control.since) return false;
    if (!(movingStates as readonly string[]).includes(record.state)) return false;
    if (record.state === 'held' && (await blockerWaits(gate, id, deps.store))) return false;
    // The ERP holds it; only its CRM row was never brought up to date: the caller puts it in the sync lane.
    if (record.state === 'posted') return true;
    const minutes = Math.round((deps.clock.now().getTime() - Date.parse(record.updatedAt)) / 60_000);
    const failure: Failure = {
        class: 'transient',
        code: 'STUCK',
        message: `no progress for ${minutes} min while ${record.state}: the message that would move it was lost (dead-lettered after repeated infrastructure faults); retry it`,
        owner: 'integration',
    };
    await deps.store.updateState(id, haltPatch(record, 'review', failure), deps.clock.now().toISOString());
    await auditNote(deps, record.envelope, 'escalate', failure.message);
    await placeInLine(gate, record, deps.store);
    return true;
}

/**
 * Puts a transaction sent to review into its unit's line by acceptance order: ahead of the blocker if it was accepted
 * first (or the blocker no longer waits), else among the held ones at its place. The sweep may find a unit's lost
 * transactions in any order; the unit's order is its backlog's.
 */
async function placeInLine(gate: SessionGate, record: TransactionRecord, store: TransactionStore): Promise<void> {
    const id = record.envelope.transactionId;
    const key = backlogKey(record.envelope);
    const held = gate.held.filter((x) => x !== id);
    const blocker = gate.blockedBy && gate.blockedBy !== id ? await store.get(gate.blockedBy) : undefined;
    if (!blocker || !waitingBlockers.has(blocker.state) || key < backlogKey(blocker.envelope)) {
        const before = blocker && !doneForOrder(blocker.state) ? [blocker.envelope.transactionId] : [];
        gate.blockedBy = id;
        gate.held = [...before, ...held.filter((x) => !before.includes(x))];
        return;
    }
    const keys = await Promise.all(
        held.map(async (x) => {
            const r = await store.get(x);
            return r ? backlogKey(r.envelope) : '';
        }),
    );
    const at = keys.findIndex((k) => k > key);
    gate.held = at < 0 ? [...held, id] : [...held.slice(0, at), id, ...held.slice(at)];
}
