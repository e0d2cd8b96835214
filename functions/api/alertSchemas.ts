import { z } from 'zod';
import { deprecatedBy } from './deprecatedBy';

const ownerDescription = 'Who must act: integration, finance, project or salesOperations.';

export const alertSchema = z
    .object({
        id: z.string().describe('Id of the alert, for acknowledging it.').meta({ 'x-ms-summary': 'Alert Id' }),
        groupKey: z
            .string()
            .describe('What groups repeated failures into this one alert.')
            .meta({ 'x-ms-summary': 'Group Key' }),
        title: z.string().describe('What failed, in a sentence.').meta({ 'x-ms-summary': 'Title' }),
        failureClass: z
            .string()
            .describe('Failure class (transient, blocked, defect ...).')
            .meta({ 'x-ms-summary': 'Failure Class' }),
        owner: z.string().describe(ownerDescription).meta({ 'x-ms-summary': 'Owner' }),
        count: z.number().int().describe('How many failures it groups.').meta({ 'x-ms-summary': 'Count' }),
        firstAt: z.string().describe('First failure (ISO 8601 UTC).').meta({ 'x-ms-summary': 'First At' }),
        lastAt: z.string().describe('Latest failure (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Last At' }),
        state: z
            .enum(['open', 'acknowledged', 'resolved'])
            .describe('open (still escalating), acknowledged (someone has it) or resolved.')
            .meta({ 'x-ms-summary': 'State' }),
        level: z
            .number()
            .int()
            .describe('Escalation level reached (0 = the owner only).')
            .meta({ 'x-ms-summary': 'Escalation Level' }),
        consoleLink: z
            .string()
            .optional()
            .describe('Link to the operations console for the detail.')
            .meta({ 'x-ms-summary': 'Console Link' }),
    })
    .meta({ id: 'Alert', description: 'Grouped failures: what failed, how often, who owns it, escalation level.' });

export const alertsResponseSchema = z
    .object({
        alerts: z
            .array(alertSchema)
            .describe('The alerts, newest first (at most 500).')
            .meta({ 'x-ms-summary': 'Alerts' }),
    })
    .meta({ id: 'Alerts', description: 'The grouped alerts.' });

export const alertPathSchema = z.object({
    id: z
        .string()
        .min(1)
        .describe('Id of the alert, as listed.')
        .meta({ 'x-ms-summary': 'Alert Id', 'x-ms-visibility': 'important' }),
});

export const acknowledgeBodySchema = z
    .object({
        by: deprecatedBy('takes the alert'),
    })
    .strict()
    .meta({ id: 'AcknowledgeAlertBody', description: 'Nothing is needed: the signed-in account takes the alert.' });
