import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditEntry, TransactionRecord } from '../domain/transactionRecord';
import type { Clock } from '../ports/clock';
import type { SessionGateStore } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';
import { backlogKey } from './sessionBacklog';

/** An operator's action on a review item; `by` is who acts: the handler takes it from the caller's Entra ID token (docs/access.md). */
export const reviewActionSchema = z.discriminatedUnion('action', [
    z.object({ action: z.literal('retry'), by: z.string().min(1) }).strict(),
    z.object({ action: z.literal('resolve'), by: z.string().min(1), erpReference: z.string().min(1) }).strict(),
    z.object({ action: z.literal('discard'), by: z.string().min(1), reason: z.string().min(3) }).strict(),
]);
export type ReviewAction = z.infer<typeof reviewActionSchema>;

export interface ReviewItem {
    transactionId: string;
    type: string;
    state: string;
    sessionId: string;
    sourceRecordId: string;
    reason: string;
    class: string;
    code: string;
    owner: string;
    condition: string | null;
    /** What the ERP holds that conflicts (duplicate: the existing posting and its CRM record), beside our data. */
    evidence: Record<string, string | number> | null;
    data: TransactionRecord['envelope']['data'];
    entityMapVersion: string;
    erpMapVersion: string | null;
    lastErpPayload: AuditEntry['payload'] | null;
    attempts: number;
    history: AuditEntry[];
    acceptedAt: string;
    updatedAt: string;
}

export interface ReviewDeps {
    store: TransactionStore;
    gates: SessionGateStore;
    queue: Pick<SessionQueue, 'send'>;
    clock: Clock;
}

const reviewStates = ['review', 'deadLettered'] as const;

/** The review queue: escalated, quarantined (duplicates) and dead-lettered transactions, oldest first. */
export async function listReviewQueue(deps: Pick<ReviewDeps, 'store'>, max = 500): Promise<ReviewItem[]> {
    const records = (await Promise.all(reviewStates.map((s) => deps.store.listByState(s, max)))).flat();
    records.sort((a, b) => a.envelope.acceptedAt.localeCompare(b.envelope.acceptedAt));
    return Promise.all(
        records.slice(0, max).map(async (r) => {
            const history = await deps.store.listAudit(r.envelope.transactionId);
            const lastPost = [...history].reverse().find((h) => h.action === 'post' && h.payload);
            return {
                transactionId: r.envelope.transactionId,
                type: r.envelope.type,
                state: r.state,
                sessionId: r.envelope.sessionId,
                sourceRecordId: r.envelope.source.recordId,
                reason: r.lastFailure?.message ?? 'dead-lettered by the queue',
                class: r.lastFailure?.class ?? 'transient',
                code: r.lastFailure?.code ?? 'DEAD_LETTERED',
                owner: r.lastFailure?.owner ?? 'integration',
                condition: r.lastFailure?.condition ?? null,
                evidence: r.lastFailure?.details ?? null,
                data: r.envelope.data,
                entityMapVersion: r.envelope.entityMapVersion,
                erpMapVersion: lastPost?.erpMapVersion ?? null,
                lastErpPayload: lastPost?.payload ?? null,
                attempts: r.attempts,
                history,
                acceptedAt: r.envelope.acceptedAt,
                updatedAt: r.updatedAt,
            };
        }),
    );
}

export type ReviewOutcome =
    | { kind: 'done'; state: string }
    | { kind: 'notFound' }
    | { kind: 'notInReview'; state: string };

/**
 * Retry (runs again with the current map versions, same idempotency key), resolve by hand (records the ERP
 * reference) or discard with a reason. Each is audited with who and when, and the unit's session is told, so the
 * transactions held behind it move on in order.
 */
export async function actOnReviewItem(
    transactionId: string,
    action: ReviewAction,
    deps: ReviewDeps,
): Promise<ReviewOutcome> {
    const record = await deps.store.get(transactionId);
    if (!record) return { kind: 'notFound' };
    if (!(reviewStates as readonly string[]).includes(record.state))
        return { kind: 'notInReview', state: record.state };
    const at = deps.clock.now().toISOString();
    const envelope = record.envelope;
    const state = action.action === 'retry' ? 'queued' : action.action === 'resolve' ? 'resolved' : 'discarded';
    // From the state it was listed in: of two operators acting at once, one wins and the other is told.
    await deps.store.updateState(
        transactionId,
        {
            state,
            from: [record.state],
            ...(action.action === 'resolve' ? { erpPostingId: action.erpReference } : {}),
            ...(action.action === 'retry' ? { attempts: 0 } : {}),
        },
        at,
    );
    await deps.store.appendAudit({
        at,
        transactionId,
        sourceRecordId: envelope.source.recordId,
        action: `review:${action.action}`,
        outcome: 'ok',
        entityMapVersion: envelope.entityMapVersion,
        attempt: record.attempts,
        correlationId: envelope.correlationId,
        payload: {
            by: action.by,
            ...(action.action === 'resolve' ? { erpReference: action.erpReference } : {}),
            ...(action.action === 'discard' ? { reason: action.reason } : {}),
        },
        ...(action.action === 'resolve' ? { targetRecordId: action.erpReference } : {}),
    });
    // Closed by hand: later transactions of the unit no longer wait for it.
    if (action.action !== 'retry') await deps.gates.release(envelope.sessionId, backlogKey(envelope));
    const gate = await deps.gates.get(envelope.sessionId);
    const body =
        gate.blockedBy === transactionId || action.action !== 'retry'
            ? { control: 'reprocess', transactionId: gate.blockedBy ?? transactionId }
            : envelope;
    await deps.queue.send([
        {
            messageId: `review-${action.action}-${randomUUID()}`,
            sessionId: envelope.sessionId,
            body,
        },
        // Closed by hand: its CRM row says resolved (with the ERP reference) or discarded, in the unit's order.
        ...(action.action === 'retry'
            ? []
            : [
                  {
                      messageId: `review-sync-${randomUUID()}`,
                      sessionId: envelope.sessionId,
                      body: { control: 'sync', transactionId },
                  },
              ]),
    ]);
    return { kind: 'done', state };
}
