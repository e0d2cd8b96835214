import { z } from 'zod';
import { transactionTypes } from '../../src/domain/transaction';
import { transactionStates } from '../../src/domain/transactionRecord';
import { guidPattern } from './intakeSchemas';

export { transactionStates };

export const transactionsQuerySchema = z.object({
    sourceRecordId: z
        .string({ error: 'sourceRecordId must be the CRM record id (a GUID)' })
        .regex(guidPattern, 'sourceRecordId must be the CRM record id (a GUID)')
        .describe('Id of the Dataverse row (a GUID) whose transactions to read.')
        .meta({ 'x-ms-summary': 'Row Id', 'x-ms-visibility': 'important' }),
});

export const failureSchema = z
    .object({
        class: z
            .enum(['transient', 'defect', 'blocked', 'duplicate'])
            .describe('The failure class (docs/failure-taxonomy.md).')
            .meta({ 'x-ms-summary': 'Failure Class' }),
        code: z
            .string()
            .describe('Stable failure code, e.g. ERP_PERIOD_FROZEN.')
            .meta({ 'x-ms-summary': 'Failure Code' }),
        message: z.string().describe('Why it failed; never personal data.').meta({ 'x-ms-summary': 'Failure Message' }),
        owner: z
            .enum(['integration', 'finance', 'project', 'salesOperations'])
            .describe('Who must act.')
            .meta({ 'x-ms-summary': 'Owner' }),
        retryAfterMs: z.number().optional().describe('Delay the remote side asked for, in ms.'),
        condition: z
            .string()
            .optional()
            .describe('What a blocked transaction waits on, e.g. period 2026-11 frozen.')
            .meta({ 'x-ms-summary': 'Condition' }),
        details: z.record(z.string(), z.unknown()).optional().describe('Facts behind the condition or the duplicate.'),
    })
    .meta({ id: 'Failure', description: 'A classified failure: class, code, owner and condition.' });

const payloadSchema = z.record(z.string(), z.unknown()).describe('Mapped fields or the ERP payload sent.');

export const auditEntrySchema = z
    .object({
        at: z.string().describe('When (ISO 8601 UTC).').meta({ 'x-ms-summary': 'At' }),
        transactionId: z.string().describe('The transaction.').meta({ 'x-ms-summary': 'Transaction Id' }),
        sourceRecordId: z.string().describe('The Dataverse row.').meta({ 'x-ms-summary': 'Row Id' }),
        targetRecordId: z.string().optional().describe('The ERP posting id, once known.'),
        action: z
            .string()
            .describe('What was attempted: accepted, post, writeBack, review:retry ...')
            .meta({ 'x-ms-summary': 'Action' }),
        outcome: z.enum(['ok', 'failed', 'skipped']).describe('How it went.').meta({ 'x-ms-summary': 'Outcome' }),
        entityMapVersion: z.string().describe('Entity map version.'),
        erpMapVersion: z.string().optional().describe('ERP map version.'),
        payload: payloadSchema.optional(),
        failure: failureSchema.optional(),
        attempt: z.number().int().describe('Delivery attempt (1 = first).').meta({ 'x-ms-summary': 'Attempt' }),
        correlationId: z.string().describe('Correlation id.'),
    })
    .meta({ id: 'AuditEntry', description: 'One line of a transaction audit trail.' });

export const transactionStatusSchema = z
    .object({
        transactionId: z.string().describe('Id (idempotency key).').meta({ 'x-ms-summary': 'Transaction Id' }),
        type: z.enum(transactionTypes).describe('Transaction type.').meta({ 'x-ms-summary': 'Transaction Type' }),
        action: z.enum(['upsert', 'cancel', 'delete']).describe('What it does in the ERP.'),
        state: z
            .enum(transactionStates)
            .describe('Where the transaction stands (docs/architecture.md).')
            .meta({ 'x-ms-summary': 'State' }),
        attempts: z.number().int().describe('ERP attempts so far.').meta({ 'x-ms-summary': 'Attempts' }),
        erpPostingId: z
            .string()
            .nullable()
            .describe('ERP posting id once posted.')
            .meta({ 'x-ms-summary': 'ERP Posting Id' }),
        lastFailure: failureSchema.nullable().describe('The last failure, if any.'),
        acceptedAt: z.string().describe('When intake accepted it (ISO 8601 UTC).'),
        updatedAt: z.string().describe('Last state change (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Updated At' }),
        correlationId: z.string().describe('Correlation id.'),
        entityMapVersion: z.string().describe('Entity map version.'),
        sessionId: z.string().describe('Ordering session.'),
        audit: z.array(auditEntrySchema).describe('The audit trail, oldest first.'),
    })
    .meta({ id: 'TransactionStatus', description: 'A transaction, its state and its audit trail.' });

export const transactionsResponseSchema = z
    .object({
        sourceRecordId: z.string().describe('The Dataverse row (lowercase GUID).').meta({ 'x-ms-summary': 'Row Id' }),
        transactions: z
            .array(transactionStatusSchema)
            .describe('Every transaction of the row, oldest first.')
            .meta({ 'x-ms-summary': 'Transactions' }),
    })
    .meta({ id: 'TransactionsOfRow', description: 'Every transaction of one Dataverse row.' });
