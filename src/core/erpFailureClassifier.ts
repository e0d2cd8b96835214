import { z } from 'zod';
import type { Failure } from '../domain/failure';

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
                })
                .strict(),
        ),
        default: z.object({ class: failureClass, owner }).strict(),
    })
    .strict();

export type ErpFailureRules = z.infer<typeof erpFailureRulesSchema>;

export interface ErpErrorResponse {
    status: number;
    body: unknown;
    retryAfterMs?: number;
}

export type ErpFailureClassifier = (response: ErpErrorResponse) => Failure;

/** First matching rule wins; an unmatched response falls to the default. Messages never echo request data. */
export function createErpFailureClassifier(rules: ErpFailureRules): ErpFailureClassifier {
    return (response) => {
        const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as {
            code?: unknown;
            message?: unknown;
            details?: unknown;
        };
        const code = typeof body.code === 'string' ? body.code : undefined;
        const rule = rules.rules.find((r) => {
            const statuses = r.when.status === undefined ? undefined : [r.when.status].flat();
            return (
                (statuses === undefined || statuses.includes(response.status)) &&
                (r.when.code === undefined || r.when.code === code)
            );
        });
        const chosen = rule ?? rules.default;
        const details = (typeof body.details === 'object' && body.details !== null ? body.details : {}) as Record<
            string,
            unknown
        >;
        const condition = rule?.condition ? fillTemplate(rule.condition, details) : undefined;
        const message = `ERP answered ${response.status}${code ? ` ${code}` : ''}${typeof body.message === 'string' ? `: ${body.message.slice(0, 200)}` : ''}`;
        return {
            class: chosen.class,
            code: code ? `ERP_${code}` : `HTTP_${response.status}`,
            message,
            owner: chosen.owner,
            ...(response.retryAfterMs !== undefined ? { retryAfterMs: response.retryAfterMs } : {}),
            ...(condition ? { condition } : {}),
            // The ERP's facts (e.g. the existing record behind a duplicate) travel with the failure as evidence.
            ...(Object.keys(primitiveDetails(details)).length > 0 ? { details: primitiveDetails(details) } : {}),
        };
    };
}

function primitiveDetails(details: Record<string, unknown>): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(details)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
    return out;
}

function fillTemplate(template: string, details: Record<string, unknown>): string {
    return template.replace(/\{details\.(\w+)\}/g, (_, key: string) => {
        const value = details[key];
        return value === undefined || value === null ? '?' : String(value);
    });
}
