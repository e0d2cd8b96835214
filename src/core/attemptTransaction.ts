import type { Failure } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import type { AuditEntry } from '../domain/transactionRecord';
import { buildErpRequest } from '../mapping/erpMap';
import type { ErpMap } from '../mapping/erpMapSchema';
import type { CallMeter } from '../ports/callMeter';
import type { Clock } from '../ports/clock';
import type { ConditionStore } from '../ports/conditionStore';
import type { CrmClient } from '../ports/crmClient';
import type { ErpClient } from '../ports/erpClient';
import type { Logger } from '../ports/logger';
import type { MappingLookup } from '../ports/mappingLookup';
import type { TransactionStore } from '../ports/transactionStore';
import type { ErpBreaker } from './circuitBreaker';
import { erpUnavailable } from './conditionKeys';
import { classifyCrmFailure } from './crmFailure';
import { describeError } from './describeError';
import type { RetryPolicy } from './retryPolicy';

export interface AttemptDeps {
    store: TransactionStore;
    erp: ErpClient;
    crm: CrmClient;
    lookup: MappingLookup;
    erpMap: ErpMap;
    conditions: ConditionStore;
    meter: CallMeter;
    breaker: ErpBreaker;
    clock: Clock;
    logger: Logger;
    /** erpKeyReplayMs: within it of acceptance, a retry re-sends without looking its key up first. */
    retryPolicy: Pick<RetryPolicy, 'erpKeyReplayMs'>;
}

export type AttemptOutcome =
    | { kind: 'confirmed'; postingId: string; replayed: boolean }
    | { kind: 'failed'; failure: Failure };

/**
 * One attempt to bring a transaction into the ERP and confirm it in the CRM, exactly once in effect:
 * - a transaction the store already holds as posted is only confirmed again in the CRM (no second post);
 * - a repeated attempt re-sends under the same Idempotency-Key, which the ERP answers with its first answer (a crash
 *   after the ERP accepted); once the ERP may have forgotten the key (erpKeyReplayMs), it looks the key up first;
 * - no call is made while a known condition stands (a frozen period, an open circuit): it fails with that condition.
 * Every ERP call is metered; transient ones feed the circuit breaker.
 */
export async function attemptTransaction(envelope: TransactionEnvelope, deps: AttemptDeps): Promise<AttemptOutcome> {
    const { store, clock } = deps;
    const id = envelope.transactionId;
    const record = await store.get(id);
    const attempt = (record?.attempts ?? 0) + 1;
    const audit = (
        entry: Omit<
            AuditEntry,
            'at' | 'transactionId' | 'sourceRecordId' | 'entityMapVersion' | 'correlationId' | 'attempt'
        >,
    ) =>
        store.appendAudit({
            at: clock.now().toISOString(),
            transactionId: id,
            sourceRecordId: envelope.source.recordId,
            entityMapVersion: envelope.entityMapVersion,
            correlationId: envelope.correlationId,
            attempt,
            ...entry,
        });
    const failWith = async (failure: Failure, extra: Partial<AuditEntry> = {}): Promise<AttemptOutcome> => {
        await audit({ action: 'post', outcome: 'failed', failure, ...extra });
        return { kind: 'failed', failure };
    };

    let postingId = record?.state === 'posted' ? record.erpPostingId : undefined;
    let replayed = false;
    if (!postingId) {
        const built = await buildErpRequest(envelope, deps.erpMap, deps.lookup);
        if (!built.ok) return failWith(built.error);
        const request = built.value;
        const period = String(request.body.postingDate ?? '').slice(0, 7);
        for (const key of [`period ${period} frozen`, `period ${period} closed`]) {
            const known = await deps.conditions.get(key);
            if (known?.status === 'active') {
                // Learned once: while the period stays frozen, nothing else is sent into it.
                return failWith({
                    class: 'blocked',
                    code: 'PERIOD_KNOWN_BLOCKED',
                    message: `${key} (known; no ERP call)`,
                    owner: known.owner,
                    condition: key,
                    details: known.details,
                });
            }
        }
        const nowMs = clock.now().getTime();
        if (!(await deps.breaker.allow(nowMs))) return failWith(erpUnavailable('circuit open; no ERP call'));

        const keyReplayed = nowMs - Date.parse(envelope.acceptedAt) < deps.retryPolicy.erpKeyReplayMs;
        if (attempt > 1 && !keyReplayed) {
            try {
                const earlier = await deps.erp.findByIdempotencyKey(request.idempotencyKey);
                if (earlier) {
                    postingId = earlier.postingId;
                    replayed = true;
                    await audit({
                        action: 'post',
                        outcome: 'skipped',
                        targetRecordId: postingId,
                        erpMapVersion: request.erpMapVersion,
                    });
                }
            } catch (e) {
                deps.breaker.failed(nowMs);
                return failWith({
                    class: 'transient',
                    code: 'ERP_LOOKUP_FAILED',
                    message: `ERP look-up before re-push failed: ${describeError(e)}`,
                    owner: 'integration',
                });
            }
        }
        if (!postingId) {
            await store.updateState(id, { state: 'processing', attempts: attempt }, clock.now().toISOString());
            const outcome = await deps.erp.post(request);
            // Held back by the client (the breaker opened, or the ERP refused its period, while it waited for a slot):
            // not an ERP call, so nothing to meter or count against the breaker.
            if (outcome.kind === 'failed' && outcome.notSent) return failWith(outcome.failure);
            const day = clock.now().toISOString().slice(0, 10);
            await deps.meter.record({
                day,
                type: envelope.type,
                attempt: attempt > 1 ? 'retry' : 'first',
                outcome: outcome.kind === 'posted' ? 'ok' : outcome.failure.class,
            });
            if (outcome.kind === 'failed') {
                let failure = outcome.failure;
                // Rate limited is not down: the ERP answered and said when to come back, so the breaker ignores a 429.
                const rateLimited = outcome.status === 429;
                if (failure.class === 'transient' && !rateLimited) {
                    deps.breaker.failed(nowMs);
                    if (deps.breaker.snapshot.state === 'open')
                        failure = { ...erpUnavailable(failure.message), code: failure.code };
                } else if (failure.class !== 'transient') deps.breaker.succeeded();
                return failWith(failure, { erpMapVersion: request.erpMapVersion, payload: request.body });
            }
            deps.breaker.succeeded();
            postingId = outcome.postingId;
            replayed = outcome.replayed;
            await audit({
                action: 'post',
                outcome: 'ok',
                targetRecordId: postingId,
                erpMapVersion: request.erpMapVersion,
                payload: request.body,
            });
        }
        await store.updateState(
            id,
            { state: 'posted', erpPostingId: postingId, lastFailure: null },
            clock.now().toISOString(),
        );
    }

    try {
        await deps.crm.writeBack(envelope.source.entity, envelope.source.recordId, {
            re_erppostingid: postingId,
            re_erpsyncstatus: 'posted',
            re_erpsyncerror: null,
            re_erpsyncedon: clock.now().toISOString(),
        });
    } catch (e) {
        const failure = classifyCrmFailure(e);
        await audit({ action: 'writeBack', outcome: 'failed', failure, targetRecordId: postingId });
        return { kind: 'failed', failure };
    }
    await audit({ action: 'writeBack', outcome: 'ok', targetRecordId: postingId });
    await store.updateState(id, { state: 'confirmed', lastFailure: null }, clock.now().toISOString());
    return { kind: 'confirmed', postingId, replayed };
}
