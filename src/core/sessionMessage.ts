import { z } from 'zod';
import type { TransactionEnvelope } from '../domain/transaction';
import { transactionEnvelopeSchema } from '../domain/transactionEnvelopeSchema';

/**
 * What travels in a unit's session: transactions, and control messages that keep every change of a unit's gate
 * inside that unit's session (so one consumer at a time changes it): a scheduled retry, a reprocess after a
 * condition cleared or an operator acted, a drain that continues releasing held transactions in batches, a
 * quarantine that sends a parked transaction to review when its condition outlived its grace period, and an
 * escalate from the stuck-transaction sweep that sends a transaction nothing moves any more to review, and a sync
 * that brings CRM rows up to date (an operator closed a transaction; the probe asks whether Dataverse is back).
 */
export const controlMessageSchema = z.object({
    control: z.enum(['retry', 'reprocess', 'drain', 'quarantine', 'escalate', 'sync']),
    transactionId: z.string().optional(),
    reason: z.string().optional(),
    /** reprocess / quarantine: the condition that ended; the unit takes itself off its list before acting. */
    condition: z.string().optional(),
    /** escalate: the record's `updatedAt` when the sweep saw it; if it changed since, the transaction moved. */
    since: z.string().optional(),
});

export type ControlMessage = z.infer<typeof controlMessageSchema>;
export type SessionMessage =
    | { kind: 'transaction'; envelope: TransactionEnvelope }
    | { kind: 'control'; control: ControlMessage };

export function parseSessionMessage(
    body: unknown,
): { ok: true; message: SessionMessage } | { ok: false; reason: string } {
    const control = controlMessageSchema.safeParse(body);
    if (control.success) return { ok: true, message: { kind: 'control', control: control.data } };
    const envelope = transactionEnvelopeSchema.safeParse(body);
    if (envelope.success) return { ok: true, message: { kind: 'transaction', envelope: envelope.data } };
    return { ok: false, reason: envelope.error.issues[0]?.message ?? 'not a transaction envelope' };
}
