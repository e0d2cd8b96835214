import { createHash } from 'node:crypto';
import type { NormalizedEvent } from '../dataverse/normalizedEvent';

/**
 * The same CRM change must always produce the same key: it is the queue message id (Service Bus duplicate
 * detection drops Dataverse's retry of a webhook) and the ERP's Idempotency-Key (a re-push is a replay).
 * The record version identifies the change best; async steps also carry the system job id (OperationId).
 */
export function idempotencyKey(event: NormalizedEvent, changedAt: string): string {
    const discriminator =
        event.rowVersion ??
        event.operationId ??
        [event.messageName, changedAt, event.correlationId, event.requestId ?? ''].join('|');
    const digest = createHash('sha256')
        .update(`${event.entity}|${event.recordId}|${event.messageName}|${discriminator}`)
        .digest('hex')
        .slice(0, 24);
    // Readable prefix for operators; total length stays far under Service Bus's 128-character message id limit.
    return `${event.entity}-${event.recordId}-${digest}`;
}
