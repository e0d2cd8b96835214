import type { NormalizedAttributes, NormalizedEvent } from '../dataverse/normalizedEvent';
import { parseDataverseWebhook } from '../dataverse/parseWebhook';
import type { TransactionAction, TransactionEnvelope, TransactionType } from '../domain/transaction';
import type { EntityMap, EntityRule } from '../mapping/entityMapSchema';
import { eventRelevance } from '../mapping/eventRelevance';
import { mapRecord, mergedAttributes, missingRequiredColumns } from '../mapping/mapRecord';
import type { Clock } from '../ports/clock';
import type { CrmClient } from '../ports/crmClient';
import type { Logger } from '../ports/logger';
import type { SessionGateStore } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';
import { describeError } from './describeError';
import { idempotencyKey } from './idempotencyKey';
import { leaveOutPersonal } from './personalData';
import type { RelatedRecords } from './relatedRecords';
import { backlogEntry } from './sessionBacklog';

export type IntakeOutcome =
    | { kind: 'accepted'; transactionId: string; sessionId: string; type: TransactionType }
    | { kind: 'ignored'; reason: string }
    | { kind: 'rejected'; code: string; message: string; field?: string }
    | { kind: 'unavailable'; reason: string };

export interface IntakeDeps {
    entityMap: EntityMap;
    queue: Pick<SessionQueue, 'send'>;
    store: TransactionStore;
    gates: Pick<SessionGateStore, 'admit'>;
    related: RelatedRecords;
    crm: CrmClient;
    clock: Clock;
    logger: Logger;
}

/** What the map makes of a parsed event, before anything is read from the CRM or enqueued (also used by `inspect`). */
export type MappedEvent =
    | { kind: 'ignored'; reason: string }
    | {
          kind: 'mappable';
          event: NormalizedEvent;
          rule: EntityRule;
          attributes: NormalizedAttributes;
          crmReadNeeded: boolean;
      };

export function planEvent(event: NormalizedEvent, map: EntityMap): MappedEvent {
    const relevance = eventRelevance(event, map);
    if (relevance.kind === 'ignored') return relevance;
    const attributes = mergedAttributes(event);
    const crmReadNeeded =
        event.sizeExceeded ||
        (event.messageName !== 'Delete' && missingRequiredColumns(relevance.rule, attributes).length > 0);
    return { kind: 'mappable', event, rule: relevance.rule, attributes, crmReadNeeded };
}

/**
 * The webhook use-case: parse, map, enqueue. It answers `accepted` only after the queue holds the message durably;
 * bad input is `rejected` with the field and reason and enqueues nothing; a queue or CRM that cannot answer is
 * `unavailable`, so Dataverse retries (it retries 503 once; the system job shows the failure after that).
 */
export async function acceptDataverseEvent(
    body: unknown,
    headers: Record<string, string | undefined>,
    deps: IntakeDeps,
): Promise<IntakeOutcome> {
    const parsed = parseDataverseWebhook(body, headers);
    if (!parsed.ok)
        return { kind: 'rejected', code: parsed.error.code, message: parsed.error.message, field: parsed.error.path };
    return acceptEvent(parsed.value, deps);
}

/** Map and enqueue an event however it arrived (webhook or flow): one path, so both get the same keys and rules. */
export async function acceptEvent(event: NormalizedEvent, deps: IntakeDeps): Promise<IntakeOutcome> {
    // The index write never decides the answer, so it runs beside mapping and enqueueing instead of before them
    // (one Table round trip less on every webhook's path); the answer still waits for it.
    const indexing = indexQuietly(deps, event.entity, event.recordId, mergedAttributes(event));
    try {
        return await mapAndEnqueue(event, deps);
    } finally {
        await indexing;
    }
}

async function mapAndEnqueue(event: NormalizedEvent, deps: IntakeDeps): Promise<IntakeOutcome> {
    const plan = planEvent(event, deps.entityMap);
    if (plan.kind === 'ignored') return plan;
    const { rule } = plan;
    let attributes = plan.attributes;

    if (plan.crmReadNeeded) {
        let row: NormalizedAttributes | undefined;
        try {
            row = await deps.crm.retrieve(event.entity, event.recordId);
        } catch (e) {
            return { kind: 'unavailable', reason: `cannot read ${event.entity} from Dataverse: ${describeError(e)}` };
        }
        if (!row) return { kind: 'ignored', reason: `${event.entity} ${event.recordId} no longer exists in Dataverse` };
        attributes = { ...row, ...attributes };
    }

    const mapped = mapRecord(event.entity, rule, attributes, event.recordId);
    if (!mapped.ok)
        return { kind: 'rejected', code: mapped.error.code, message: mapped.error.message, field: mapped.error.field };
    const data = mapped.value;

    for (const related of rule.related) {
        const id = data[related.via];
        if (typeof id !== 'string') continue;
        let columns: Awaited<ReturnType<RelatedRecords['read']>>;
        try {
            columns = await deps.related.read(related.entity, id);
        } catch (e) {
            return { kind: 'unavailable', reason: `cannot read related ${related.entity}: ${describeError(e)}` };
        }
        if (!columns) {
            deps.logger.warn('related row not found; the ERP map will report the missing fields', {
                entity: related.entity,
                id,
            });
            continue;
        }
        for (const [column, target] of Object.entries(related.columns)) {
            const value = columns[column];
            if (value !== undefined && data[target] === undefined) data[target] = value;
        }
    }

    let action: TransactionAction = 'upsert';
    if (event.messageName === 'Delete' && rule.cancelWhen) {
        action = 'cancel';
        data[rule.cancelWhen.field] = rule.cancelWhen.equals;
    } else if (rule.cancelWhen && data[rule.cancelWhen.field] === rule.cancelWhen.equals) {
        action = 'cancel';
    }

    const acceptedAt = deps.clock.now().toISOString();
    const modifiedOn = attributes.modifiedon;
    const changedAt = typeof modifiedOn === 'string' ? modifiedOn : (event.operationCreatedOn ?? acceptedAt);
    const sessionValue = data[rule.session.field];
    const sessionId =
        typeof sessionValue === 'string'
            ? `${rule.session.prefix}-${sessionValue}`
            : `${event.entity}-${event.recordId}`;
    const transactionId = idempotencyKey(event, changedAt);
    // Personal data is read from the CRM row when the ERP needs it: never queued, stored or logged.
    const { data: kept, personalFields } = leaveOutPersonal(data, rule);
    const version =
        event.rowVersion ??
        (typeof attributes.versionnumber === 'number' ? String(attributes.versionnumber) : undefined);
    const envelope: TransactionEnvelope = {
        transactionId,
        type: rule.transactionType,
        action,
        sessionId,
        source: {
            entity: event.entity,
            recordId: event.recordId,
            message: event.messageName,
            changedAt,
            ...(version ? { version } : {}),
        },
        correlationId: event.correlationId,
        entityMapVersion: deps.entityMap.version,
        acceptedAt,
        data: kept,
        ...(personalFields.length > 0 ? { personalFields } : {}),
    };

    try {
        // Recorded and in its unit's backlog before it is enqueued: were the message never sent or later lost, the
        // next transaction of the unit (or the stuck-transaction sweep) still finds it, and it goes first.
        await deps.store.recordAccepted(envelope, acceptedAt);
        await deps.gates.admit(sessionId, backlogEntry(envelope));
    } catch (e) {
        return { kind: 'unavailable', reason: `the transaction store cannot record it: ${describeError(e)}` };
    }
    try {
        await deps.queue.send([
            {
                messageId: transactionId,
                sessionId,
                body: envelope,
                correlationId: event.correlationId,
                subject: rule.transactionType,
                applicationProperties: { entity: event.entity, type: rule.transactionType, action },
            },
        ]);
    } catch (e) {
        return { kind: 'unavailable', reason: `queue cannot take the transaction: ${describeError(e)}` };
    }
    deps.logger.info('transaction accepted', {
        transactionId,
        sessionId,
        type: rule.transactionType,
        correlationId: event.correlationId,
    });
    return { kind: 'accepted', transactionId, sessionId, type: rule.transactionType };
}

async function indexQuietly(
    deps: IntakeDeps,
    entity: string,
    id: string,
    attributes: NormalizedAttributes,
): Promise<void> {
    try {
        await deps.related.index(entity, id, attributes);
    } catch (e) {
        // The index is a cache: a miss later falls back to reading Dataverse.
        deps.logger.warn('could not index related row', { entity, error: describeError(e) });
    }
}
