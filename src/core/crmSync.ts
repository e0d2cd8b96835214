import type { Failure } from '../domain/failure';
import type { AuditEntry, TransactionRecord } from '../domain/transactionRecord';
import type { Clock } from '../ports/clock';
import type { ConditionStore } from '../ports/conditionStore';
import type { CrmClient } from '../ports/crmClient';
import type { Logger } from '../ports/logger';
import type { SessionGate } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';
import type { ErpBreaker } from './circuitBreaker';
import { reprocessCondition } from './conditionClearing';
import { crmUnavailable, crmUnavailableKey } from './conditionKeys';
import { classifyCrmFailure } from './crmFailure';

/**
 * The CRM sync: the integration-owned columns of a transaction's CRM row (`re_erppostingid`, `re_erpsyncstatus`,
 * `re_erpsyncerror`, `re_erpsyncedon`) brought up to date with where the transaction stands, so a salesperson sees in
 * the row whether it reached the ERP and, if not, why and who must act.
 *
 * It is a step of its own after the ERP posting, with its own lane in the unit's gate (`syncs`): the ERP side never
 * waits for the CRM. A unit's rows are written in the order their transactions moved; each write carries the
 * transaction's state at the time of writing, so a row never goes back to an older status. While Dataverse cannot be
 * reached, the lane waits under the condition `CRM unavailable` (owner integration), probed once per interval, and
 * catches up, in order, when it answers again.
 */

export interface CrmSyncDeps {
    store: TransactionStore;
    crm: CrmClient;
    conditions: ConditionStore;
    queue: Pick<SessionQueue, 'send'>;
    clock: Clock;
    logger: Logger;
    breaker: ErpBreaker;
}

/** What a row shows: every state a salesperson should know of; none for states that pass by themselves. */
export function syncFields(record: TransactionRecord, at: string): Record<string, string | null> | undefined {
    const base = { re_erpsyncedon: at };
    switch (record.state) {
        case 'posted':
        case 'confirmed':
            return {
                ...base,
                re_erppostingid: record.erpPostingId ?? null,
                re_erpsyncstatus: 'posted',
                re_erpsyncerror: null,
            };
        case 'resolved':
            return {
                ...base,
                re_erppostingid: record.erpPostingId ?? null,
                re_erpsyncstatus: 'resolved',
                re_erpsyncerror: null,
            };
        case 'discarded':
            return { ...base, re_erpsyncstatus: 'discarded', re_erpsyncerror: 'discarded by an operator: not posted' };
        case 'parked':
        case 'review':
        case 'deadLettered':
            return { ...base, re_erpsyncstatus: record.state, re_erpsyncerror: shortReason(record.lastFailure) };
        default:
            return undefined;
    }
}

/**
 * The reason a row shows, built from the failure's code, its condition and its owner only: free text from the ERP or
 * an exception could carry personal data, which never goes into a CRM column that the whole sales team reads.
 */
export function shortReason(failure: Failure | undefined): string {
    if (!failure) return 'waiting';
    const condition = failure.condition ? `: ${failure.condition}` : '';
    const field = typeof failure.details?.field === 'string' ? ` (${failure.details.field})` : '';
    // A bad CRM row's reason is ours and names the kind of value, never the value (src/core/crmRowCheck.ts).
    const why =
        failure.code === 'CRM_ROW_INVALID' && typeof failure.details?.reason === 'string'
            ? `: ${failure.details.reason}`
            : '';
    return `${failure.code}${condition}${field}${why}; owner ${failure.owner}`.slice(0, 400);
}

/** Adds a transaction to its unit's sync lane (once: a pending sync writes the latest state anyway). */
export function enqueueSync(gate: SessionGate, transactionId: string): void {
    gate.syncs ??= [];
    if (!gate.syncs.includes(transactionId)) gate.syncs.push(transactionId);
}

/**
 * Writes the unit's pending rows in order. A transient failure (Dataverse down, throttling) stops the lane under
 * `CRM unavailable`; a refusal (the row was deleted, a column the integration may not write) sends a posted
 * transaction to review for the integration team and lets the lane go on. `probing`: a message sent to find out
 * whether the CRM is back; otherwise, while the condition stands, nothing is tried. Answers whether the gate changed.
 */
export async function syncLane(
    gate: SessionGate,
    deps: CrmSyncDeps,
    options: { probing?: boolean } = {},
): Promise<boolean> {
    if (!gate.syncs || gate.syncs.length === 0) return false;
    const down = await deps.conditions.get(crmUnavailableKey);
    if (down?.status === 'active' && !options.probing) {
        await deps.conditions.addParkedSession(crmUnavailableKey, gate.sessionId);
        return false;
    }
    let changed = false;
    while (gate.syncs.length > 0) {
        const id = gate.syncs[0] as string;
        const record = await deps.store.get(id);
        const at = deps.clock.now().toISOString();
        const fields = record && syncFields(record, at);
        if (record && fields) {
            const { entity, recordId } = record.envelope.source;
            try {
                await deps.crm.writeBack(entity, recordId, fields);
            } catch (e) {
                const failure = classifyCrmFailure(e);
                if (failure.class === 'transient') {
                    await waitForCrm(record, failure, deps);
                    return changed;
                }
                await refused(record, failure, deps);
                gate.syncs.shift();
                changed = true;
                continue;
            }
            await auditWriteBack(record, 'ok', at, deps, {
                ...(record.erpPostingId ? { targetRecordId: record.erpPostingId } : {}),
                payload: { status: String(fields.re_erpsyncstatus) },
            });
            if (record.state === 'posted')
                await deps.store.updateState(
                    id,
                    { state: 'confirmed', from: ['posted'], ifRevision: record.revision ?? 0, lastFailure: null },
                    at,
                );
        }
        gate.syncs.shift();
        changed = true;
    }
    if (down?.status === 'active') await crmAnswered(deps, 'Dataverse answered a write-back');
    return changed;
}

/** Dataverse answered a call while `CRM unavailable` stood: whatever waited for it goes on, each unit in its session. */
export async function crmAnswered(deps: CrmSyncDeps, reason: string): Promise<void> {
    const down = await deps.conditions.get(crmUnavailableKey);
    if (down?.status === 'active') await reprocessCondition(crmUnavailableKey, deps, reason);
}

/** One write-back in the transaction's audit trail. */
async function auditWriteBack(
    record: TransactionRecord,
    outcome: 'ok' | 'failed',
    at: string,
    deps: Pick<CrmSyncDeps, 'store'>,
    extra: Pick<AuditEntry, 'failure' | 'targetRecordId' | 'payload'>,
): Promise<void> {
    await deps.store.appendAudit({
        at,
        transactionId: record.envelope.transactionId,
        sourceRecordId: record.envelope.source.recordId,
        action: 'writeBack',
        outcome,
        entityMapVersion: record.envelope.entityMapVersion,
        attempt: record.attempts,
        correlationId: record.envelope.correlationId,
        ...extra,
    });
}

/** Dataverse cannot take writes now: the unit's lane waits under the condition, and the probe asks for it. */
async function waitForCrm(record: TransactionRecord, failure: Failure, deps: CrmSyncDeps): Promise<void> {
    const at = deps.clock.now().toISOString();
    const waiting = crmUnavailable(failure.message);
    await deps.conditions.open({
        key: crmUnavailableKey,
        kind: 'crmUnavailable',
        owner: waiting.owner,
        since: at,
        details: {},
    });
    await deps.conditions.addParkedSession(crmUnavailableKey, record.envelope.sessionId);
    // A posted transaction shows why it is not yet confirmed; others keep the reason they wait for.
    if (record.state === 'posted')
        await deps.store.updateState(
            record.envelope.transactionId,
            { state: 'posted', from: ['posted'], ifRevision: record.revision ?? 0, lastFailure: waiting },
            at,
        );
    await auditWriteBack(record, 'failed', at, deps, { failure });
    deps.logger.warn('CRM write-back waits for Dataverse', {
        transactionId: record.envelope.transactionId,
        code: failure.code,
    });
}

/** Dataverse refused the write for good: the ERP holds the posting, the row cannot show it; a person must look. */
async function refused(record: TransactionRecord, failure: Failure, deps: CrmSyncDeps): Promise<void> {
    const at = deps.clock.now().toISOString();
    await auditWriteBack(record, 'failed', at, deps, { failure });
    if (record.state === 'posted')
        await deps.store.updateState(
            record.envelope.transactionId,
            { state: 'review', from: ['posted'], ifRevision: record.revision ?? 0, lastFailure: failure },
            at,
        );
    else
        deps.logger.warn('CRM row could not show the status of its transaction', {
            transactionId: record.envelope.transactionId,
            code: failure.code,
        });
}
