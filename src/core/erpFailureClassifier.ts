import type { Failure } from '../domain/failure';
import type { ErpFailureRules } from './erpFailureRules';

export { type ErpFailureRules, erpFailureRulesSchema, loadErpFailureRules } from './erpFailureRules';

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
        const text = rule?.message
            ? fillTemplate(rule.message, details)
            : typeof body.message === 'string'
              ? redact(body.message.slice(0, 200))
              : undefined;
        const message = `ERP answered ${response.status}${code ? ` ${code}` : ''}${text ? `: ${text}` : ''}`;
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
    for (const [k, v] of Object.entries(details)) {
        if (typeof v === 'string') out[k] = redact(v);
        else if (typeof v === 'number') out[k] = v;
    }
    return out;
}

/**
 * The contract forbids personal data in ERP messages; this is the safety net for an ERP that breaks it anyway:
 * e-mail addresses and international phone numbers never reach a failure (which is logged and shown to people).
 */
function redact(text: string): string {
    return text.replace(/[^\s@]+@[^\s@]+\.[^\s@]+/g, '[email]').replace(/\+\d[\d\s-]{6,}\d/g, '[phone]');
}

function fillTemplate(template: string, details: Record<string, unknown>): string {
    return template.replace(/\{details\.(\w+)\}/g, (_, key: string) => {
        const value = details[key];
        return value === undefined || value === null ? '?' : redact(String(value));
    });
}
