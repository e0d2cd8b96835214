import {
    type EntityRefValue,
    isEntityRef,
    type NormalizedAttributes,
    type NormalizedValue,
} from '../../src/dataverse/normalizedEvent';
import { invalidProperty, SandboxDataverseError } from './columnValues';
import { type ColumnType, type TableSchema, tableBySet } from './sandboxSchema';

const formatted = '@OData.Community.Display.V1.FormattedValue';
// The sandbox books everything in one currency; the real Web API uses the row's transaction currency symbol.
const currencySymbol = 'AED ';

/**
 * One row as `GET {set}({id})` answers it with `Prefer: odata.include-annotations="*"`: `@odata.context`,
 * `@odata.etag`, look-ups as `_x_value` with their annotations, formatted values for choices, numbers and dates.
 * `$select` names Web API properties (`_re_unitid_value`, not `re_unitid`), as the real service requires.
 */
export function formatRow(
    apiUrl: string,
    table: TableSchema,
    row: NormalizedAttributes,
    select: string[] | undefined,
    lookupName: (ref: EntityRefValue) => string | null,
): Record<string, unknown> {
    const columns = select ? selectedColumns(table, select) : Object.keys(table.columns);
    const version = row.versionnumber;
    const out: Record<string, unknown> = {
        '@odata.context': `${apiUrl}$metadata#${table.entitySet}${select ? `(${select.join(',')})` : ''}/$entity`,
        '@odata.etag': `W/"${String(version)}"`,
    };
    for (const column of columns) {
        const type = table.columns[column];
        if (type) emit(out, column, type, row[column] ?? null, table.choices[column], lookupName);
    }
    return out;
}

function selectedColumns(table: TableSchema, select: string[]): string[] {
    const columns = select.map((property) => {
        const lookup = /^_(.+)_value$/.exec(property)?.[1];
        const column = lookup ?? property;
        const type = table.columns[column];
        if (type === undefined || (type === 'lookup') !== (lookup !== undefined)) {
            throw new SandboxDataverseError(
                400,
                '0x80060888',
                `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
            );
        }
        return column;
    });
    // Like Dataverse: the currency comes with any money column, the primary key with every row.
    const money = columns.some((c) => table.columns[c] === 'money');
    if (money && table.columns.transactioncurrencyid) columns.push('transactioncurrencyid');
    columns.push(table.primaryKey);
    return [...new Set(columns)];
}

function emit(
    out: Record<string, unknown>,
    column: string,
    type: ColumnType,
    value: NormalizedValue,
    choices: Record<number, string> | undefined,
    lookupName: (ref: EntityRefValue) => string | null,
): void {
    if (type === 'lookup') {
        const property = `_${column}_value`;
        if (isEntityRef(value)) {
            const name = lookupName(value);
            if (name !== null) out[`${property}${formatted}`] = name;
            out[`${property}@Microsoft.Dynamics.CRM.associatednavigationproperty`] = column;
            out[`${property}@Microsoft.Dynamics.CRM.lookuplogicalname`] = value.logicalName;
            out[property] = value.id;
        } else {
            out[property] = null;
        }
        return;
    }
    if (value === null) {
        out[column] = null;
        return;
    }
    const display = formattedValue(type, value, choices);
    if (display !== undefined) out[`${column}${formatted}`] = display;
    // The Web API writes DateTimeOffset without milliseconds.
    out[column] = type === 'datetime' && typeof value === 'string' ? value.replace(/\.\d{3}Z$/, 'Z') : value;
}

function formattedValue(
    type: ColumnType,
    value: NormalizedValue,
    choices: Record<number, string> | undefined,
): string | undefined {
    if (typeof value === 'number') {
        if (type === 'choice') return choices?.[value] ?? String(value);
        if (type === 'money') return `${currencySymbol}${twoDecimals(value)}`;
        if (type === 'decimal') return twoDecimals(value);
        if (type === 'whole') return value.toLocaleString('en-US');
    }
    if (type === 'datetime' && typeof value === 'string') return userLocalDate(new Date(value));
    return undefined;
}

const twoDecimals = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** `3/1/2026 8:00 AM`: the sandbox user's settings are en-US in UTC. */
function userLocalDate(d: Date): string {
    const hours = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
    const minutes = String(d.getUTCMinutes()).padStart(2, '0');
    const half = d.getUTCHours() < 12 ? 'AM' : 'PM';
    return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${hours}:${minutes} ${half}`;
}

/**
 * A PATCH or POST body in normalised form: `x@odata.bind: "/re_units(<id>)"` becomes a look-up; look-ups by
 * their `_x_value` or logical name are refused as the real service refuses them; other annotations are ignored.
 */
export function parseWriteBody(
    tables: readonly TableSchema[],
    table: TableSchema,
    body: unknown,
    resolveKey?: (entity: string, column: string, value: string) => string | undefined,
): NormalizedAttributes {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new SandboxDataverseError(400, '0x80048d19', 'Error identified in Payload provided by the user.');
    }
    const out: NormalizedAttributes = {};
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        if (key.endsWith('@odata.bind')) {
            const nav = key.slice(0, -'@odata.bind'.length).toLowerCase();
            if (table.columns[nav] !== 'lookup') throw invalidProperty(table, nav);
            out[nav] = value === null ? null : bindTarget(tables, key, value, resolveKey);
            continue;
        }
        if (key.includes('@')) continue;
        if (table.columns[key] === 'lookup' || /^_.+_value$/.test(key)) throw invalidProperty(table, key);
        out[key] = value as NormalizedValue;
    }
    return out;
}

function bindTarget(
    tables: readonly TableSchema[],
    key: string,
    value: unknown,
    resolveKey?: (entity: string, column: string, value: string) => string | undefined,
): EntityRefValue {
    // `/re_units(re_code='MARINA-T1-1203')`: a reference by alternate key, resolved to the row it names.
    const keyed = typeof value === 'string' ? /([A-Za-z_]\w*)\(([A-Za-z_]\w*)='((?:[^']|'')*)'\)$/.exec(value) : null;
    const keyedTable = keyed?.[1] ? tableBySet(tables, keyed[1]) : undefined;
    if (keyed?.[2] && keyed[3] !== undefined && keyedTable && resolveKey) {
        const id = resolveKey(keyedTable.logicalName, keyed[2], decodeURIComponent(keyed[3]).replace(/''/g, "'"));
        if (id === undefined) {
            throw new SandboxDataverseError(
                404,
                '0x80040217',
                `A record with the specified key values does not exist in ${keyedTable.logicalName} entity`,
            );
        }
        return { logicalName: keyedTable.logicalName, id, name: null };
    }
    const match = typeof value === 'string' ? /([A-Za-z_]\w*)\(\{?([0-9a-fA-F-]{36})\}?\)$/.exec(value) : null;
    const target = match?.[1] ? tableBySet(tables, match[1]) : undefined;
    if (!match?.[2] || !target) {
        throw new SandboxDataverseError(400, '0x80048d19', `'${key}' must reference a row as /<entity set>(<id>).`);
    }
    return { logicalName: target.logicalName, id: match[2].toLowerCase(), name: null };
}
