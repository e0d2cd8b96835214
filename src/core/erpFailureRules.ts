import { z } from 'zod';
import { ConfigError } from '../config/configError';

const owner = z.enum(['integration', 'finance', 'project', 'salesOperations']);
const failureClass = z.enum(['transient', 'defect', 'blocked', 'duplicate']);

/** Classification rules are configuration (config/erp-failure-rules.v1.json), versioned like the maps. */
export const erpFailureRulesSchema = z
    .object({
        version: z.string().min(1),
        rules: z.array(
            z
                .object({
                    when: z
                        .object({
                            status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
                            code: z.string().optional(),
                        })
                        .strict()
                        .refine(
                            (w) => w.status !== undefined || w.code !== undefined,
                            'a rule needs a status or a code',
                        ),
                    class: failureClass,
                    owner,
                    /** Template with {details.x} placeholders, e.g. `period {details.period} frozen`. */
                    condition: z.string().optional(),
                    /** Template replacing the ERP's own message (same placeholders), e.g. for an ERP whose text is noisy. */
                    message: z.string().min(1).optional(),
                })
                .strict(),
        ),
        default: z.object({ class: failureClass, owner }).strict(),
    })
    .strict();

export type ErpFailureRules = z.infer<typeof erpFailureRulesSchema>;

/** Validates a rules file's JSON; a bad one throws a ConfigError naming `source` and the bad path. */
export function loadErpFailureRules(json: unknown, source = 'ERP failure rules'): ErpFailureRules {
    const parsed = erpFailureRulesSchema.safeParse(json);
    if (!parsed.success) throw ConfigError.fromZod(source, parsed.error);
    return parsed.data;
}
