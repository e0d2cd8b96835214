import type { NormalizedAttributes, NormalizedValue } from '../../dataverse/normalizedEvent';

const lookupLogicalName = '@Microsoft.Dynamics.CRM.lookuplogicalname';
const formattedValue = '@OData.Community.Display.V1.FormattedValue';
const lookupProperty = /^_(.+)_value$/;
// DateTime columns come back as ISO strings with an offset; date-only columns (`2026-03-01`) are left alone.
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Turns one Web API row (requested with `Prefer: odata.include-annotations="*"`) into the attribute map a webhook
 * gives for the same row, so the map cannot tell where a row came from: `_re_unitid_value` plus its annotations
 * becomes `re_unitid: { logicalName, id, name }`, DateTimes become UTC `…Z` strings, annotations are dropped.
 * With `columns`, only those columns are kept: the Web API adds some on its own (`_transactioncurrencyid_value`
 * next to any money column, the primary key, `@odata.etag`).
 */
export function normalizeWebApiRow(row: Record<string, unknown>, columns?: readonly string[]): NormalizedAttributes {
    const wanted = columns ? new Set(columns) : undefined;
    const out: NormalizedAttributes = {};
    for (const [key, raw] of Object.entries(row)) {
        // Annotations (`x@OData…`, `@odata.context`) are read through the property they describe.
        if (key.includes('@')) continue;
        const lookup = lookupProperty.exec(key);
        const name = lookup?.[1] ?? key;
        if (wanted && !wanted.has(name)) continue;
        const value = lookup ? lookupValue(row, key, raw) : plainValue(raw);
        if (value !== undefined) out[name] = value;
    }
    return out;
}

function lookupValue(row: Record<string, unknown>, key: string, raw: unknown): NormalizedValue | undefined {
    if (raw === null) return null;
    if (typeof raw !== 'string') return undefined;
    const logicalName = row[`${key}${lookupLogicalName}`];
    const name = row[`${key}${formattedValue}`];
    // Without the annotation the target table is unknown; the GUID alone is still what a look-up map needs.
    if (typeof logicalName !== 'string') return raw.toLowerCase();
    return { logicalName, id: raw.toLowerCase(), name: typeof name === 'string' ? name : null };
}

function plainValue(raw: unknown): NormalizedValue | undefined {
    if (typeof raw === 'string') {
        if (!dateTimePattern.test(raw)) return raw;
        const ms = Date.parse(raw);
        return Number.isNaN(ms) ? raw : new Date(ms).toISOString();
    }
    if (typeof raw === 'number' || typeof raw === 'boolean' || raw === null) return raw;
    // Expanded navigation properties are never requested; anything else is not a column value.
    return undefined;
}
