import { z } from 'zod';

/** Every 4xx/5xx body: what went wrong, a stable code, and the field when the input is at fault. */
export const problemSchema = z
    .object({
        error: z
            .object({
                code: z
                    .string()
                    .describe('A stable machine code, e.g. INVALID_QUERY.')
                    .meta({ 'x-ms-summary': 'Code' }),
                message: z.string().describe('What went wrong, where and why.').meta({ 'x-ms-summary': 'Message' }),
                field: z
                    .string()
                    .optional()
                    .describe('The input field at fault, when there is one.')
                    .meta({ 'x-ms-summary': 'Field' }),
            })
            .meta({ 'x-ms-summary': 'Error' }),
    })
    .meta({ id: 'Problem', description: 'An error: code, message and the field at fault.' });
