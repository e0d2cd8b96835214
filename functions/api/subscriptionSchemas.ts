import { z } from 'zod';
import { transactionTypes } from '../../src/domain/transaction';
import { notificationEvents } from '../../src/subscriptions/transactionNotification';
import { failureSchema, transactionStates } from './transactionSchemas';

const eventsSchema = z
    .array(z.enum(notificationEvents))
    .min(1)
    .describe('Which events start the flow: parked, review (sent to review or dead-lettered), posted.')
    .meta({ 'x-ms-summary': 'Events', 'x-ms-visibility': 'important' });

export const subscribeBodySchema = z
    .object({
        callbackUrl: z
            .string()
            .min(1)
            .describe('Where to POST the events; Power Automate fills it in.')
            .meta({ 'x-ms-summary': 'Callback URL', 'x-ms-visibility': 'internal', 'x-ms-notification-url': true }),
        events: eventsSchema,
    })
    .strict()
    .meta({ id: 'SubscriptionRequest', description: 'Where to send transaction events, and which.' });

export const subscriptionPathSchema = z.object({
    subscriptionId: z
        .string()
        .min(1)
        .max(64)
        .describe('Id of the subscription.')
        .meta({ 'x-ms-summary': 'Subscription Id', 'x-ms-visibility': 'internal' }),
});

export const subscriptionResponseSchema = z
    .object({
        id: z.string().describe('Id of the subscription.').meta({ 'x-ms-summary': 'Subscription Id' }),
        events: z.array(z.enum(notificationEvents)).describe('The subscribed events.'),
        createdAt: z.string().describe('When it was created (ISO 8601 UTC).'),
    })
    .meta({ id: 'Subscription', description: 'A webhook subscription (the callback URL is never returned).' });

/** The body the dispatcher POSTs (src/subscriptions/transactionNotification.ts): what a triggered flow receives. */
export const transactionNotificationSchema = z
    .object({
        subscriptionId: z.string().describe('The subscription that asked for it.'),
        event: z.enum(notificationEvents).describe('parked, review or posted.').meta({ 'x-ms-summary': 'Event' }),
        transactionId: z.string().describe('Id of the transaction.').meta({ 'x-ms-summary': 'Transaction Id' }),
        type: z.enum(transactionTypes).describe('Transaction type.').meta({ 'x-ms-summary': 'Transaction Type' }),
        state: z.enum(transactionStates).describe('Its state now.').meta({ 'x-ms-summary': 'State' }),
        sessionId: z
            .string()
            .describe('Ordering session (unit, building or contact).')
            .meta({ 'x-ms-summary': 'Session Id' }),
        sourceEntity: z.string().describe('Dataverse table of the row.').meta({ 'x-ms-summary': 'Table Logical Name' }),
        sourceRecordId: z.string().describe('Id of the Dataverse row.').meta({ 'x-ms-summary': 'Row Id' }),
        correlationId: z
            .string()
            .describe('Correlation id carried end to end.')
            .meta({ 'x-ms-summary': 'Correlation Id' }),
        erpPostingId: z
            .string()
            .nullable()
            .describe('ERP posting id, when posted.')
            .meta({ 'x-ms-summary': 'ERP Posting Id' }),
        failure: failureSchema.nullable().describe('Why it is parked or in review.'),
        occurredAt: z
            .string()
            .describe('When the state changed (ISO 8601 UTC).')
            .meta({ 'x-ms-summary': 'Occurred At' }),
    })
    .meta({ id: 'TransactionEvent', description: 'A transaction was parked, sent to review or posted.' });
