import type { Failure } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import type { AuditEntry } from '../domain/transactionRecord';
import { buildErpRequest } from '../mapping/erpMap';
import type { ErpMap } from '../mapping/erpMapSchema';
import type { Clock } from '../ports/clock';
import type { CrmClient } from '../ports/crmClient';
import type { ErpClient } from '../ports/erpClient';
import type { Logger } from '../ports/logger';
import type { MappingLookup } from '../ports/mappingLookup';
import type { TransactionStore } from '../ports/transactionStore';
import { classifyCrmFailure } from './crmFailure';

export interface ProcessDeps {
    store: TransactionStore;
    erp: ErpClient;
    crm: CrmClient;
    lookup: MappingLookup;
    erpMap: ErpMap;
    clock: Clock;
    logger: Logger;
    /** The queue's max delivery count: on the last delivery a retryable failure is recorded as dead-lettered. */
    maxDeliveryCount: number;
}

export interface Delivery {
    /** 1 on first delivery. */
    deliveryCount: number;
}

/**
 * What the trigger does with the message: `settle` completes it; `redeliver` makes the handler throw so the
 * queue redelivers it in session order (and dead-letters it after max deliveries).
 */
export type ProcessOutcome =
    | { kind: 'confirmed'; settle: true; postingId: string; replayed: boolean }
    | { kind: 'alreadyConfirmed'; settle: true; postingId: string }
    | { kind: 'failed'; settle: true; failure: Failure }
    | { kind: 'retry'; settle: false; failure: Failure; lastDelivery: boolean };

/** The queue-triggered use-case: post the transaction to the ERP once in effect, then confirm it in the CRM. */
export async function processTransaction(
    envelope: TransactionEnvelope,
    delivery: Delivery,
    deps: ProcessDeps,
): Promise<ProcessOutcome> {
    const { store, clock } = deps;
    const id = envelope.transactionId;
    await store.recordAccepted(envelope, envelope.acceptedAt);
    const record = await store.get(id);
    if (record?.state === 'confirmed' && record.erpPostingId) {
        return { kind: 'alreadyConfirmed', settle: true, postingId: record.erpPostingId };
    }
    const attempts = (record?.attempts ?? 0) + 1;
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
            attempt: attempts,
            ...entry,
        });

    let postingId = record?.state === 'posted' ? record.erpPostingId : undefined;
    let replayed = false;
    if (!postingId) {
        await store.updateState(id, { state: 'processing', attempts }, clock.now().toISOString());
        const built = await buildErpRequest(envelope, deps.erpMap, deps.lookup);
        if (!built.ok) {
            await audit({ action: 'map', outcome: 'failed', failure: built.error });
            return fail(built.error);
        }
        const request = built.value;
        // At-least-once delivery: a crash after the ERP accepted but before settling must not post twice.
        let earlier: Awaited<ReturnType<ErpClient['findByIdempotencyKey']>>;
        try {
            earlier = attempts > 1 ? await deps.erp.findByIdempotencyKey(request.idempotencyKey) : undefined;
        } catch (e) {
            const failure: Failure = {
                class: 'transient',
                code: 'ERP_LOOKUP_FAILED',
                message: `ERP look-up before re-push failed: ${e instanceof Error ? e.message : String(e)}`,
                owner: 'integration',
            };
            await audit({ action: 'lookup', outcome: 'failed', failure });
            return retry(failure);
        }
        if (earlier) {
            postingId = earlier.postingId;
            replayed = true;
            await audit({
                action: 'post',
                outcome: 'skipped',
                targetRecordId: postingId,
                erpMapVersion: request.erpMapVersion,
            });
        } else {
            const outcome = await deps.erp.post(request);
            if (outcome.kind === 'failed') {
                await audit({
                    action: 'post',
                    outcome: 'failed',
                    failure: outcome.failure,
                    erpMapVersion: request.erpMapVersion,
                    payload: request.body,
                });
                return outcome.failure.class === 'transient' ? retry(outcome.failure) : fail(outcome.failure);
            }
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
        if (failure.class === 'transient') return retry(failure);
        // The ERP holds the posting; only the CRM confirmation is owed. Keep it visible as posted-with-failure.
        await store.updateState(id, { state: 'posted', lastFailure: failure }, clock.now().toISOString());
        return { kind: 'failed', settle: true, failure };
    }
    await audit({ action: 'writeBack', outcome: 'ok', targetRecordId: postingId });
    await store.updateState(id, { state: 'confirmed', lastFailure: null }, clock.now().toISOString());
    deps.logger.info('transaction confirmed', { transactionId: id, postingId, correlationId: envelope.correlationId });
    return { kind: 'confirmed', settle: true, postingId, replayed };

    async function fail(failure: Failure): Promise<ProcessOutcome> {
        await store.updateState(id, { state: 'failed', lastFailure: failure }, clock.now().toISOString());
        deps.logger.warn('transaction failed', {
            transactionId: id,
            class: failure.class,
            code: failure.code,
            owner: failure.owner,
        });
        return { kind: 'failed', settle: true, failure };
    }

    async function retry(failure: Failure): Promise<ProcessOutcome> {
        const lastDelivery = delivery.deliveryCount >= deps.maxDeliveryCount;
        const state = lastDelivery ? 'deadLettered' : 'retrying';
        await store.updateState(id, { state, lastFailure: failure }, clock.now().toISOString());
        if (lastDelivery) await audit({ action: 'deadLetter', outcome: 'failed', failure });
        deps.logger.warn('transaction will be redelivered', {
            transactionId: id,
            code: failure.code,
            deliveryCount: delivery.deliveryCount,
            lastDelivery,
        });
        return { kind: 'retry', settle: false, failure, lastDelivery };
    }
}
