import type { NormalizedAttributes, NormalizedEvent } from '../dataverse/normalizedEvent';
import { parseDataverseWebhook } from '../dataverse/parseWebhook';
import type { InvalidRow, TransactionType } from '../domain/transaction';
import type { EntityMap } from '../mapping/entityMapSchema';
import { mergedAttributes } from '../mapping/mapRecord';
import type { Clock } from '../ports/clock';
import type { CrmClient } from '../ports/crmClient';
import type { Logger } from '../ports/logger';
import type { SessionGateStore } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';
import { describeError } from './describeError';
import { mapEvent } from './mapEvent';
import type { RelatedRecords } from './relatedRecords';
import { backlogEntry } from './sessionBacklog';

export { type MappedEvent, planEvent } from './mapEvent';

export type IntakeOutcome =
    /** `invalid`: the row cannot be mapped; it is kept and goes to review for its owner. */
    | { kind: 'accepted'; transactionId: string; sessionId: string; type: TransactionType; invalid?: InvalidRow }
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

/**
 * The webhook use-case: parse, map, enqueue. It answers `accepted` only after the queue holds the message durably.
 * A body that is not a Dataverse event is `rejected` with the field and reason and enqueues nothing; a Dataverse
 * event whose row the map cannot read is accepted all the same, marked invalid, and goes to review for the row's
 * owner (Dataverse never retries a 4xx: a refused row would be lost). A queue or CRM that cannot answer is
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

/**
 * Map and enqueue an event however it arrived (webhook, flow, the daily sweep): one path, so all get the same keys
 * and rules. `rowIsWhole`: the event carries the whole row as Dataverse has it now, so nothing more is read.
 */
export async function acceptEvent(
    event: NormalizedEvent,
    deps: IntakeDeps,
    rowIsWhole = false,
): Promise<IntakeOutcome> {
    // The index write never decides the answer, so it runs beside mapping and enqueueing instead of before them
    // (one Table round trip less on every webhook's path); the answer still waits for it.
    const indexing = indexQuietly(deps, event.entity, event.recordId, mergedAttributes(event));
    try {
        return await mapAndEnqueue(event, deps, rowIsWhole);
    } finally {
        await indexing;
    }
}

async function mapAndEnqueue(event: NormalizedEvent, deps: IntakeDeps, rowIsWhole: boolean): Promise<IntakeOutcome> {
    const mapped = await mapEvent(event, deps, rowIsWhole);
    if (mapped.kind !== 'mapped') return mapped;
    const { envelope } = mapped;
    const { transactionId, sessionId, type, action, acceptedAt } = envelope;

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
                subject: type,
                applicationProperties: { entity: event.entity, type, action },
            },
        ]);
    } catch (e) {
        return { kind: 'unavailable', reason: `queue cannot take the transaction: ${describeError(e)}` };
    }
    deps.logger.info('transaction accepted', { transactionId, sessionId, type, correlationId: event.correlationId });
    return {
        kind: 'accepted',
        transactionId,
        sessionId,
        type,
        ...(envelope.invalid ? { invalid: envelope.invalid } : {}),
    };
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
