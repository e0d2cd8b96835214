import { z } from 'zod';
import type { FieldValue, TransactionEnvelope } from './transaction';
import { transactionTypes } from './transaction';

const fieldValue: z.ZodType<FieldValue> = z.lazy(() =>
    z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(fieldValue), z.record(z.string(), fieldValue)]),
);

/** Validates a queue message body before processing: a message we cannot read goes to review, not to the ERP. */
export const transactionEnvelopeSchema = z.object({
    transactionId: z.string().min(1).max(128),
    type: z.enum(transactionTypes),
    action: z.enum(['upsert', 'cancel', 'delete']),
    sessionId: z.string().min(1).max(128),
    source: z.object({
        entity: z.string().min(1),
        recordId: z.string().min(1),
        message: z.string().min(1),
        version: z.string().optional(),
        changedAt: z.string().min(1),
    }),
    correlationId: z.string(),
    entityMapVersion: z.string().min(1),
    acceptedAt: z.string().min(1),
    data: z.record(z.string(), fieldValue),
    personalFields: z.array(z.string().min(1)).optional(),
    invalid: z
        .object({
            code: z.enum(['FIELD_REQUIRED', 'FIELD_INVALID']),
            field: z.string().min(1),
            reason: z.string().min(1),
            alsoInvalid: z.array(z.string()).optional(),
        })
        .optional(),
}) satisfies z.ZodType<TransactionEnvelope>;
