import type { NormalizedAttributes, NormalizedEvent } from '../dataverse/normalizedEvent';
import { describeError } from './describeError';
import { acceptEvent, type IntakeDeps, type IntakeOutcome } from './intake';
import { unchangedSince } from './rowEvent';

/** A changed row as a flow reports it: a flow has no RemoteExecutionContext, only the table, the row and the message. */
export interface FlowEvent {
    entity: string;
    recordId: string;
    message: 'Create' | 'Update' | 'Delete';
    /** Columns that changed (Update); without them every mapped column counts as changed. */
    changedAttributes?: string[];
    correlationId: string;
}

/**
 * The flow's way into the same intake as the webhook. The row is read from Dataverse (the flow's own copy of the
 * values comes in connector shapes the map does not know), and its version number plays the webhook's RowVersion,
 * so submitting the same change twice yields the same transaction id: the queue and the ERP drop the repeat.
 */
export async function acceptFlowEvent(flow: FlowEvent, deps: IntakeDeps): Promise<IntakeOutcome> {
    const recordId = flow.recordId.toLowerCase();
    const event: NormalizedEvent = {
        messageName: flow.message,
        entity: flow.entity,
        recordId,
        correlationId: flow.correlationId,
        mode: 1,
        stage: 40,
        depth: 1,
        target: null,
        preImages: {},
        postImages: {},
        sizeExceeded: false,
    };
    const rule = deps.entityMap.entities[flow.entity];
    // Not ours (table, message or deletes not mapped): the shared intake answers `ignored` with the reason.
    if (!rule || !(rule.messages as string[]).includes(flow.message)) return acceptEvent(event, deps);
    if (flow.message === 'Delete') {
        if (rule.onDelete === 'ignore') return acceptEvent(event, deps);
        return {
            kind: 'rejected',
            code: 'DELETE_NEEDS_PRE_IMAGE',
            message: `a delete of ${flow.entity} needs the row as it was, which a flow cannot send: register the Delete step of the Dataverse webhook with a pre-image instead (docs/operations.md)`,
            field: 'message',
        };
    }
    let row: NormalizedAttributes | undefined;
    try {
        row = await deps.crm.retrieve(flow.entity, recordId);
    } catch (e) {
        return { kind: 'unavailable', reason: `cannot read ${flow.entity} from Dataverse: ${describeError(e)}` };
    }
    if (!row) return { kind: 'ignored', reason: `${flow.entity} ${recordId} does not exist in Dataverse` };
    if (!flow.changedAttributes) {
        // A flow cannot say which columns changed, and our own write-back changes the row (and its version): without
        // this guard, a flow triggered by every update would post, be written back, fire again, and loop.
        const transactions = await deps.store.listBySourceRecord(recordId);
        const unchanged = unchangedSince(flow.entity, recordId, rule, row, transactions);
        if (unchanged)
            return { kind: 'ignored', reason: `no mapped column of ${flow.entity} changed since ${unchanged}` };
    }
    const version = row.versionnumber;
    if (typeof version === 'number' || typeof version === 'string') event.rowVersion = String(version);
    event.postImages = { row };
    event.target =
        flow.message === 'Update' && flow.changedAttributes
            ? Object.fromEntries(
                  flow.changedAttributes.filter((c) => Object.hasOwn(row, c)).map((c) => [c, row[c] ?? null]),
              )
            : row;
    return acceptEvent(event, deps);
}
