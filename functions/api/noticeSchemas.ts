import { z } from 'zod';

export const noticeSchema = z
    .object({
        key: z.string().describe('Id of the notice (one per unit ready for handover).').meta({ 'x-ms-summary': 'Key' }),
        unitCode: z.string().describe('The unit handed over.').meta({ 'x-ms-summary': 'Unit Code' }),
        readyOn: z.string().describe('The date the unit is ready (YYYY-MM-DD).').meta({ 'x-ms-summary': 'Ready On' }),
        state: z
            .enum(['pending', 'sent', 'retrying', 'failed'])
            .describe('Delivery state: pending, sent, retrying or failed.')
            .meta({ 'x-ms-summary': 'State' }),
        attempts: z.number().int().describe('Delivery attempts so far.').meta({ 'x-ms-summary': 'Attempts' }),
        lastError: z
            .string()
            .optional()
            .describe('Why the last attempt failed.')
            .meta({ 'x-ms-summary': 'Last Error' }),
        sentAt: z.string().optional().describe('When it was sent (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Sent At' }),
    })
    .meta({
        id: 'HandoverNotice',
        description: 'A handover notice to a unit owner and its delivery state (never the address).',
    });

export const noticesResponseSchema = z
    .object({
        notices: z
            .array(noticeSchema)
            .describe('The handover notices, newest first (at most 500).')
            .meta({ 'x-ms-summary': 'Notices' }),
    })
    .meta({ id: 'HandoverNotices', description: 'The handover notices.' });
