import { z } from 'zod';

/**
 * `by`, once the name of who acts, published in connector 1.0.0 (required on most actions). The actor now comes from
 * the caller's Entra ID token, so the field is ignored; it stays in the contract, optional and hidden, so that flows
 * built against 1.0.0 keep working (a published parameter is never removed).
 */
export function deprecatedBy(action: string) {
    return z
        .string()
        .optional()
        .describe(`Deprecated and ignored: the signed-in account of the connection is recorded as who ${action}.`)
        .meta({ 'x-ms-summary': 'By (deprecated)', 'x-ms-visibility': 'internal' });
}
