import { z } from 'zod';
import { transactionTypes } from '../../src/domain/transaction';

export const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * What a flow sends in place of a RemoteExecutionContext (a flow has none): the row that changed. The row itself is
 * read from Dataverse, so a flow can neither forge column values nor send them in a shape the map does not know.
 */
export const flowEventSchema = z
    .object({
        entityLogicalName: z
            .string()
            .regex(/^[a-z][a-z0-9_]{0,127}$/, 'a Dataverse table logical name, e.g. re_reservation')
            .describe('Logical name of the Dataverse table, e.g. re_reservation.')
            .meta({ 'x-ms-summary': 'Table Logical Name', 'x-ms-visibility': 'important' }),
        recordId: z
            .string()
            .regex(guidPattern, 'a GUID')
            .describe('Id of the row that changed (a GUID).')
            .meta({ 'x-ms-summary': 'Row Id', 'x-ms-visibility': 'important' }),
        message: z
            .enum(['Create', 'Update', 'Delete'])
            .describe('What happened to the row: Create, Update or Delete.')
            .meta({ 'x-ms-summary': 'Message', 'x-ms-visibility': 'important' }),
        changedAttributes: z
            .array(z.string().regex(/^[a-z][a-z0-9_]{0,127}$/, 'a column logical name'))
            .max(500)
            .optional()
            .describe(
                'Logical names of the columns that changed (Update only); without them every mapped column counts.',
            )
            .meta({ 'x-ms-summary': 'Changed Columns', 'x-ms-visibility': 'advanced' }),
        correlationId: z
            .string()
            .min(1)
            .max(128)
            .optional()
            .describe('Correlation id carried end to end; the flow run id is a good choice.')
            .meta({ 'x-ms-summary': 'Correlation Id', 'x-ms-visibility': 'advanced' }),
    })
    .strict()
    .meta({ id: 'FlowEvent', description: 'A changed Dataverse row, submitted by a flow.' });
export type FlowEventBody = z.infer<typeof flowEventSchema>;

/** The answer of both intake routes (webhook and flow): accepted with the transaction id, or ignored with the reason. */
export const intakeResponseSchema = z
    .object({
        status: z
            .enum(['accepted', 'ignored'])
            .describe('accepted: durably queued; ignored: nothing to send to the ERP (reason says why).')
            .meta({ 'x-ms-summary': 'Status' }),
        transactionId: z
            .string()
            .optional()
            .describe('Id of the transaction (its idempotency key), when accepted.')
            .meta({ 'x-ms-summary': 'Transaction Id' }),
        sessionId: z
            .string()
            .optional()
            .describe('The ordering session (unit, building or contact), when accepted.')
            .meta({ 'x-ms-summary': 'Session Id' }),
        type: z
            .enum(transactionTypes)
            .optional()
            .describe('The transaction type, when accepted.')
            .meta({ 'x-ms-summary': 'Transaction Type' }),
        reason: z
            .string()
            .optional()
            .describe('Why the event is ignored, when ignored.')
            .meta({ 'x-ms-summary': 'Reason' }),
        invalid: z
            .object({
                field: z
                    .string()
                    .describe('The column the map cannot read, as <table>.<column>.')
                    .meta({ 'x-ms-summary': 'Invalid Column' }),
                reason: z
                    .string()
                    .describe('Why the column cannot be mapped (never its value).')
                    .meta({ 'x-ms-summary': 'Invalid Reason' }),
            })
            .optional()
            .describe(
                'Set when the row cannot be mapped: it is accepted and kept, and goes to the review queue for the table owner instead of the ERP.',
            )
            .meta({ 'x-ms-summary': 'Invalid Row' }),
    })
    .meta({ id: 'IntakeResult', description: 'Whether the change was accepted or ignored.' });
