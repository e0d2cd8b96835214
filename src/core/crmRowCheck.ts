import type { NormalizedAttributes } from '../dataverse/normalizedEvent';
import { crmRowInvalid, type Failure, type Owner } from '../domain/failure';
import type { InvalidRow, TransactionEnvelope } from '../domain/transaction';
import type { AuditEntry } from '../domain/transactionRecord';
import { TransactionNotFoundError, type TransactionStore } from '../ports/transactionStore';
import { describeError } from './describeError';
import { type MapDeps, mapEvent } from './mapEvent';
import { eventFromRow } from './rowEvent';

export { crmRowInvalid };

export interface CrmRowDeps extends MapDeps {
    store: TransactionStore;
}

export type CrmRowCheck =
    /** Go on to the ERP with this envelope (the stored one, or the row re-read and mapped again). */
    | { kind: 'ready'; envelope: TransactionEnvelope }
    /** Not to the ERP: a defect for the row's owner (review), or the re-read could not be made (retried). */
    | { kind: 'failed'; failure: Failure };

/**
 * Before an attempt calls the ERP: a transaction whose row the map could not read (`envelope.invalid`) fails as a
 * defect for the table's data owner, with the column and the reason as evidence, and never reaches the ERP.
 * Its first attempt takes intake's verdict as it is (intake read what there was to read moments ago). Any later
 * attempt (a retry from the review queue, after someone fixed the row or the map) reads the row again through the
 * Web API and maps it with the current map versions; the transaction keeps its id (the idempotency key), unit and
 * place in the unit's order, and takes the row's current version and values. Still invalid, it goes back to review
 * with the new reason; mapped, it goes on to the ERP. A transaction the map could read passes untouched (no read).
 */
export async function checkCrmRow(envelope: TransactionEnvelope, deps: CrmRowDeps): Promise<CrmRowCheck> {
    if (!envelope.invalid) return { kind: 'ready', envelope };
    const record = await deps.store.get(envelope.transactionId);
    if (!record) throw new TransactionNotFoundError(envelope.transactionId);
    const owner = deps.entityMap.entities[envelope.source.entity]?.dataOwner ?? 'integration';
    const audit = (entry: Pick<AuditEntry, 'action' | 'outcome'> & Partial<AuditEntry>) =>
        deps.store.appendAudit({
            at: deps.clock.now().toISOString(),
            transactionId: envelope.transactionId,
            sourceRecordId: envelope.source.recordId,
            entityMapVersion: envelope.entityMapVersion,
            correlationId: envelope.correlationId,
            attempt: record.attempts + 1,
            ...entry,
        });
    const refuse = async (failure: Failure): Promise<CrmRowCheck> => {
        await audit({ action: 'map', outcome: 'failed', failure });
        return { kind: 'failed', failure };
    };
    // Retried by itself (transient): counted as an attempt, so the retry policy's maxAttempts bounds it.
    const countedRetry = async (message: string): Promise<CrmRowCheck> => {
        await deps.store.updateState(
            envelope.transactionId,
            {
                state: record.state,
                from: [record.state],
                ifRevision: record.revision ?? 0,
                attempts: record.attempts + 1,
            },
            deps.clock.now().toISOString(),
        );
        return refuse({ class: 'transient', code: 'CRM_READ_FAILED', message, owner: 'integration' });
    };
    const firstAttempt = record.attempts === 0 && record.lastFailure === undefined;
    if (firstAttempt) return refuse(rowInvalid(envelope.invalid, envelope.source.entity, owner));

    const { entity, recordId } = envelope.source;
    let row: NormalizedAttributes | undefined;
    try {
        row = await deps.crm.retrieve(entity, recordId);
    } catch (e) {
        return countedRetry(`cannot read ${entity} ${recordId} again from Dataverse: ${describeError(e)}`);
    }
    if (!row) {
        // A Delete's row is gone by definition: what it meant (a cancellation) is done by hand, not by a re-read.
        const what =
            envelope.source.message === 'Delete'
                ? `${entity} ${recordId} was deleted and cannot be read again: make the cancellation in the ERP by hand, then resolve this item with its ERP reference`
                : `${entity} ${recordId} no longer exists in Dataverse: nothing to post; discard it`;
        return refuse(gone(entity, owner, what));
    }
    const event = eventFromRow(entity, recordId, envelope.source.message, row, envelope.correlationId);
    const mapped = await mapEvent(event, deps, true);
    if (mapped.kind === 'unavailable') return countedRetry(mapped.reason);
    if (mapped.kind === 'ignored') {
        return refuse(gone(entity, owner, `entity map ${deps.entityMap.version} does not take it: ${mapped.reason}`));
    }
    // Its identity and place stay: the same idempotency key (a replay of something posted changes nothing), the unit
    // it was admitted to, and its place in that unit's order.
    const { invalid, ...fresh } = mapped.envelope;
    const remapped: TransactionEnvelope = {
        ...fresh,
        transactionId: envelope.transactionId,
        sessionId: envelope.sessionId,
        acceptedAt: envelope.acceptedAt,
        correlationId: envelope.correlationId,
        ...(invalid ? { invalid } : {}),
    };
    await deps.store.updateState(
        envelope.transactionId,
        { state: record.state, from: [record.state], ifRevision: record.revision ?? 0, envelope: remapped },
        deps.clock.now().toISOString(),
    );
    await audit({ action: 'reread', outcome: invalid ? 'failed' : 'ok', payload: remapped.data });
    deps.logger.info('CRM row read again for a retry', {
        transactionId: envelope.transactionId,
        version: remapped.source.version,
        invalid: invalid?.field,
    });
    if (invalid) return refuse(rowInvalid(invalid, entity, owner));
    return { kind: 'ready', envelope: remapped };
}

/** The defect a bad row is: the column and the reason as evidence, for the table's data owner. */
export function rowInvalid(invalid: InvalidRow, entity: string, owner: Owner): Failure {
    const also = invalid.alsoInvalid?.length ? ` (also ${invalid.alsoInvalid.join(', ')})` : '';
    const sentence =
        invalid.code === 'FIELD_REQUIRED'
            ? `${invalid.field} ${invalid.reason}`
            : `${invalid.field}: ${invalid.reason}`;
    return {
        class: 'defect',
        code: crmRowInvalid,
        message: `${sentence}${also}; fix the row in the CRM, then retry: the retry reads the row again`,
        owner,
        details: {
            table: entity,
            field: invalid.field,
            reason: invalid.reason,
            mapping: invalid.code,
            ...(invalid.alsoInvalid?.length ? { alsoInvalid: invalid.alsoInvalid.join(', ') } : {}),
        },
    };
}

function gone(entity: string, owner: Owner, message: string): Failure {
    return { class: 'defect', code: crmRowInvalid, message, owner, details: { table: entity } };
}
