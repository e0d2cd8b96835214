import type { NormalizedAttributes, NormalizedEvent } from '../dataverse/normalizedEvent';
import type { InvalidRow, TransactionAction, TransactionEnvelope } from '../domain/transaction';
import type { EntityMap, EntityRule } from '../mapping/entityMapSchema';
import { eventRelevance } from '../mapping/eventRelevance';
import { type MappingError, mapFields, mergedAttributes, missingRequiredColumns } from '../mapping/mapRecord';
import type { Clock } from '../ports/clock';
import type { CrmClient } from '../ports/crmClient';
import type { Logger } from '../ports/logger';
import type { TransactionStore } from '../ports/transactionStore';
import { describeError } from './describeError';
import { idempotencyKey } from './idempotencyKey';
import { leaveOutPersonal } from './personalData';
import type { RelatedRecords } from './relatedRecords';

export interface MapDeps {
    entityMap: EntityMap;
    /** Where an earlier transaction of the row says which unit it belongs to (a bad row that cannot say so itself). */
    store: Pick<TransactionStore, 'listBySourceRecord'>;
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

export type MapOutcome =
    | { kind: 'ignored'; reason: string }
    | { kind: 'unavailable'; reason: string }
    /** The transaction, with `invalid` set when the row could not be mapped (it is kept all the same). */
    | { kind: 'mapped'; envelope: TransactionEnvelope };

export function planEvent(event: NormalizedEvent, map: EntityMap, rowIsWhole = false): MappedEvent {
    const relevance = eventRelevance(event, map);
    if (relevance.kind === 'ignored') return relevance;
    const attributes = mergedAttributes(event);
    const crmReadNeeded =
        !rowIsWhole &&
        (event.sizeExceeded ||
            (event.messageName !== 'Delete' &&
                missingRequiredColumns(relevance.rule, attributes, event.unreadable).length > 0));
    return { kind: 'mappable', event, rule: relevance.rule, attributes, crmReadNeeded };
}

/**
 * An event as the transaction it stands for: the row read from Dataverse when the event lacks columns, every column
 * mapped, the related rows' columns added, the action, the unit's session and the idempotency key. A row the map
 * cannot read is still a transaction (nothing the CRM sent is dropped): `invalid` names the first column that failed
 * and why, `data` holds what mapped cleanly, and the attempt sends it to review for the table's data owner.
 * `rowIsWhole`: the event carries the whole row as Dataverse has it now (a re-read, the daily sweep), so nothing more
 * is read.
 */
export async function mapEvent(event: NormalizedEvent, deps: MapDeps, rowIsWhole = false): Promise<MapOutcome> {
    const plan = planEvent(event, deps.entityMap, rowIsWhole);
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

    const { data, problems } = mapFields(event.entity, rule, attributes, event.recordId, event.unreadable);

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
    const invalid = invalidRow(problems);
    const sessionId = await sessionOf(event, rule, data, invalid !== undefined, deps);
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
        ...(invalid ? { invalid } : {}),
    };
    if (invalid) {
        // The column and the reason only: never a value (it may be personal data).
        deps.logger.warn('CRM row cannot be mapped; it goes to review for its owner', {
            transactionId,
            field: invalid.field,
            code: invalid.code,
        });
    }
    return { kind: 'mapped', envelope };
}

function invalidRow(problems: MappingError[]): InvalidRow | undefined {
    const [first, ...others] = problems;
    if (!first) return undefined;
    return {
        code: first.code,
        field: first.field,
        reason: first.reason,
        ...(others.length > 0 ? { alsoInvalid: others.map((p) => p.field) } : {}),
    };
}

/**
 * The unit's session (the map's session field), else the record's own. A bad row whose session column is what went
 * wrong still belongs to the unit its earlier transactions went through: it must hold that unit's later ones.
 */
async function sessionOf(
    event: NormalizedEvent,
    rule: EntityRule,
    data: TransactionEnvelope['data'],
    invalid: boolean,
    deps: MapDeps,
): Promise<string> {
    const sessionValue = data[rule.session.field];
    if (typeof sessionValue === 'string') return `${rule.session.prefix}-${sessionValue}`;
    if (invalid) {
        const earlier = (await deps.store.listBySourceRecord(event.recordId)).at(-1);
        if (earlier) return earlier.envelope.sessionId;
    }
    return `${event.entity}-${event.recordId}`;
}
