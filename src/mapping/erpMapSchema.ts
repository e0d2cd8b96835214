import { z } from 'zod';
import { ConfigError } from '../config/configError';
import { transactionTypes } from '../domain/transaction';

/** Where one ERP body field comes from. */
const bodyFieldSchema = z.union(
    [
        z
            .object({
                from: z.string().min(1),
                transform: z.enum(['date', 'upper']).optional(),
                required: z.boolean().default(true),
            })
            .strict(),
        /**
         * A mapping-table look-up keyed by a data field. `required: false` only lets the key field be empty (the ERP
         * field is then left out); a key that has a value must have a row, else the transaction is a defect.
         */
        z.object({ lookup: z.string().min(1), key: z.string().min(1), required: z.boolean() }).strict(),
        z.object({ const: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
    ],
    {
        error: 'a body field is {from, transform?: date|upper, required?}, {lookup, key, required} or {const}',
    },
);

const requestRuleSchema = z
    .object({
        method: z.enum(['PUT', 'POST', 'PATCH']),
        /**
         * Path template; `{field}` placeholders are filled from the transaction's data, URL-encoded. It must name the
         * record (a resource segment, then its reference): the look-up before a re-push asks the ERP by it.
         */
        path: z
            .string()
            .regex(
                /^\/[^\s{}]*[^\s/{}]\/\{\w+\}[^\s]*$/,
                'an absolute path such as /erp/v1/reservations/{reservationNumber}',
            ),
        /** The data field (an ISO date) whose accounting period the ERP checks; `$changedAt` = when the CRM changed it. */
        postingDate: z.string().min(1),
        body: z.record(z.string(), bodyFieldSchema),
    })
    .strict();

/** The ERP map: how each domain transaction becomes a call on the ERP contract (docs/erp-contract.md). */
export const erpMapSchema = z
    .object({
        version: z.string().min(1),
        transactions: z.record(z.enum(transactionTypes), requestRuleSchema),
    })
    .strict()
    .superRefine((map, ctx) => {
        for (const type of transactionTypes) {
            if (!map.transactions[type])
                ctx.addIssue({ code: 'custom', path: ['transactions', type], message: `no ERP request for ${type}` });
        }
    });

export type ErpMap = z.infer<typeof erpMapSchema>;

/** Validates an ERP map's JSON; a bad one throws a ConfigError naming `source` and the bad path. */
export function loadErpMap(json: unknown, source = 'ERP map'): ErpMap {
    const parsed = erpMapSchema.safeParse(json);
    if (!parsed.success) throw ConfigError.fromZod(source, parsed.error);
    return parsed.data;
}
export type ErpRequestRule = ErpMap['transactions'][keyof ErpMap['transactions']];
export type ErpBodyField = z.infer<typeof bodyFieldSchema>;
