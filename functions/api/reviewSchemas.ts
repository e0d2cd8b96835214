import { z } from 'zod';
import { reviewActionSchema } from '../../src/core/reviewActions';
import { transactionTypes } from '../../src/domain/transaction';
import { deprecatedBy } from './deprecatedBy';
import { auditEntrySchema } from './transactionSchemas';

export const reviewPathSchema = z.object({
    transactionId: z
        .string()
        .min(1)
        .describe('Id of the transaction in the review queue.')
        .meta({ 'x-ms-summary': 'Transaction Id', 'x-ms-visibility': 'important' }),
});

const [retry, resolve, discard] = reviewActionSchema.options;

/**
 * The three bodies are the core's action schema without `action` (the connector's path names it) and with `by`
 * deprecated: the handler fills it in from the caller's token.
 */
export const retryBodySchema = retry
    .omit({ action: true })
    .extend({ by: deprecatedBy('retries') })
    .meta({ id: 'RetryReviewItemBody', description: 'Nothing is needed: the signed-in account retries.' });
export const resolveBodySchema = resolve
    .omit({ action: true })
    .extend({
        by: deprecatedBy('resolves'),
        erpReference: resolve.shape.erpReference
            .describe('The ERP reference that settles it (posting id or document number).')
            .meta({ 'x-ms-summary': 'ERP Reference', 'x-ms-visibility': 'important' }),
    })
    .meta({ id: 'ResolveReviewItemBody', description: 'The ERP reference that settles it.' });
export const discardBodySchema = discard
    .omit({ action: true })
    .extend({
        by: deprecatedBy('discards'),
        reason: discard.shape.reason
            .describe('Why it is dropped (at least 3 characters).')
            .meta({ 'x-ms-summary': 'Reason', 'x-ms-visibility': 'important' }),
    })
    .meta({ id: 'DiscardReviewItemBody', description: 'Why it is discarded.' });

export const reviewActionResponseSchema = z
    .object({
        transactionId: z.string().describe('The transaction acted on.').meta({ 'x-ms-summary': 'Transaction Id' }),
        state: z
            .string()
            .describe('Its state after the action (queued, resolved or discarded).')
            .meta({ 'x-ms-summary': 'State' }),
    })
    .meta({ id: 'ReviewActionResult', description: 'The state of the transaction after the action.' });

export const reviewItemSchema = z
    .object({
        transactionId: z.string().describe('Id of the transaction.').meta({ 'x-ms-summary': 'Transaction Id' }),
        type: z
            .string()
            .describe(`Transaction type: ${transactionTypes.join(', ')}.`)
            .meta({ 'x-ms-summary': 'Transaction Type' }),
        state: z.string().describe('review or deadLettered.').meta({ 'x-ms-summary': 'State' }),
        sessionId: z.string().describe('Ordering session (unit, building or contact).'),
        sourceRecordId: z.string().describe('The Dataverse row.').meta({ 'x-ms-summary': 'Row Id' }),
        reason: z.string().describe('Why it needs a person.').meta({ 'x-ms-summary': 'Reason' }),
        class: z.string().describe('Failure class.').meta({ 'x-ms-summary': 'Failure Class' }),
        code: z.string().describe('Failure code.').meta({ 'x-ms-summary': 'Failure Code' }),
        owner: z.string().describe('Who must act.').meta({ 'x-ms-summary': 'Owner' }),
        condition: z.string().nullable().describe('Condition, for a blocked one.'),
        evidence: z
            .record(z.string(), z.unknown())
            .nullable()
            .describe('What the ERP holds that conflicts (a duplicate: the existing posting and its CRM row).'),
        data: z.record(z.string(), z.unknown()).describe('The mapped business fields.'),
        entityMapVersion: z.string().describe('Entity map version.'),
        erpMapVersion: z.string().nullable().describe('ERP map version of the last post.'),
        lastErpPayload: z.record(z.string(), z.unknown()).nullish().describe('The payload last sent to the ERP.'),
        attempts: z.number().int().describe('ERP attempts so far.').meta({ 'x-ms-summary': 'Attempts' }),
        history: z.array(auditEntrySchema).describe('The audit trail, oldest first.'),
        acceptedAt: z.string().describe('When accepted (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Accepted At' }),
        updatedAt: z.string().describe('Last state change (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Updated At' }),
    })
    .meta({ id: 'ReviewItem', description: 'A transaction waiting for a person.' });

export const reviewListResponseSchema = z
    .object({
        items: z
            .array(reviewItemSchema)
            .describe('Escalated, quarantined and dead-lettered transactions, oldest first.')
            .meta({ 'x-ms-summary': 'Items' }),
    })
    .meta({ id: 'ReviewQueue', description: 'The review queue.' });
