import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SandboxDataverseError } from './columnValues';
import { parseFilter } from './odataFilter';
import { type RuleContext, registrationRules } from './registrationRules';
import { parseSystemWrite, registrationTables, type SystemTable } from './registrationTables';
import { filterAnnotations, readJson, sendJson } from './webApiHttp';

type Row = Record<string, unknown>;

const catalogSets: Record<string, { logicalName: string; primaryKey: string; rows: (c: RuleContext) => Row[] }> = {
    sdkmessages: { logicalName: 'sdkmessage', primaryKey: 'sdkmessageid', rows: (c) => c.catalog.messages },
    sdkmessagefilters: {
        logicalName: 'sdkmessagefilter',
        primaryKey: 'sdkmessagefilterid',
        rows: (c) => c.catalog.filters,
    },
};

const readOnlyColumns = ['createdon', 'modifiedon', 'versionnumber'];

export function isRegistrationSet(set: string): boolean {
    return set in catalogSets || registrationTables.some((t) => t.entitySet === set);
}

/**
 * The registration tables over the Web API: GET (one row or a collection with `$select` and `$filter`), POST,
 * PATCH and DELETE on serviceendpoints, sdkmessageprocessingsteps and sdkmessageprocessingstepimages; GET only
 * on sdkmessages and sdkmessagefilters, which Dataverse ships. Writes go through Dataverse's checks
 * (registrationRules.ts); look-ups read back as `_x_value` with their annotations; authvalue is never returned.
 */
export async function serveRegistration(
    req: IncomingMessage,
    res: ServerResponse,
    context: RuleContext,
    apiUrl: string,
    url: URL,
    set: string,
    key: string | undefined,
): Promise<void> {
    const prefer = [req.headers.prefer ?? []].flat().join(',');
    const id = key?.replace(/^\{|\}$/g, '').toLowerCase();
    if (id !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) {
        throw new SandboxDataverseError(400, '0x80060888', 'Bad Request - Error in query syntax.');
    }
    const catalog = catalogSets[set];
    const table = registrationTables.find((t) => t.entitySet === set);
    const logicalName = catalog?.logicalName ?? table?.logicalName ?? set;
    const primaryKey = catalog?.primaryKey ?? table?.primaryKey ?? `${logicalName}id`;
    const rows = () => (catalog ? catalog.rows(context) : context.store.list(set));
    const missing = () => new SandboxDataverseError(404, '0x80040217', `${logicalName} With Id = ${id} Does Not Exist`);
    const shape = (row: Row) => filterAnnotations(format(row, table), prefer);

    if (req.method === 'GET') {
        const select = url.searchParams.get('$select')?.split(',').filter(Boolean);
        if (id !== undefined) {
            const row = rows().find((r) => r[primaryKey] === id);
            if (!row) throw missing();
            sendJson(res, 200, {
                '@odata.context': `${apiUrl}$metadata#${set}/$entity`,
                ...picked(shape(row), select, logicalName),
            });
            return;
        }
        const filter = url.searchParams.get('$filter');
        const matching = filter
            ? rows()
                  .map((r) => format(r, table))
                  .filter(parseFilter(filter))
            : rows().map((r) => format(r, table));
        sendJson(res, 200, {
            '@odata.context': `${apiUrl}$metadata#${set}${select ? `(${select.join(',')})` : ''}`,
            value: matching.map((r) => picked(filterAnnotations(r, prefer), select, logicalName)),
        });
        return;
    }
    if (!table) {
        throw new SandboxDataverseError(
            405,
            '0x80040800',
            `The '${req.method}' method is not supported for entities of type '${logicalName}'.`,
        );
    }
    if (req.method === 'DELETE' && id !== undefined) {
        if (!context.store.delete(table, id)) throw missing();
        res.writeHead(204, { 'OData-Version': '4.0' }).end();
        return;
    }
    const creating = req.method === 'POST' && id === undefined;
    const updating = req.method === 'PATCH' && id !== undefined;
    if (!creating && !updating) {
        throw new SandboxDataverseError(405, '0x80060888', `The HTTP method '${req.method}' is not allowed here.`);
    }
    const { fields, binds } = parseSystemWrite(table, await readJson(req));
    for (const bind of binds) {
        const target = catalogSets[bind.set]
            ? catalogSets[bind.set]?.rows(context).find((r) => r[catalogSets[bind.set]?.primaryKey ?? ''] === bind.id)
            : context.store.get(bind.set, bind.id);
        if (!target) {
            const name =
                catalogSets[bind.set]?.logicalName ??
                registrationTables.find((t) => t.entitySet === bind.set)?.logicalName ??
                bind.set;
            throw new SandboxDataverseError(404, '0x80040217', `${name} With Id = ${bind.id} Does Not Exist`);
        }
    }
    const rowId = id ?? randomUUID();
    const existing = context.store.get(set, rowId);
    if (updating && req.headers['if-match'] !== undefined && !existing) throw missing();
    const isNew = !existing;
    const row = isNew ? { ...defaults(table), ...fields } : { ...existing, ...fields };
    for (const [name, column] of Object.entries(table.columns)) {
        if (column.required && (row[name] === null || row[name] === undefined)) {
            throw new SandboxDataverseError(400, '0x80040203', `${name} is required to create a ${table.logicalName}.`);
        }
    }
    for (const lookup of table.lookups) {
        if (lookup.required && !row[`_${lookup.column}_value`]) {
            throw new SandboxDataverseError(
                400,
                '0x80040203',
                `${lookup.column} is required to create a ${table.logicalName}.`,
            );
        }
    }
    registrationRules[table.logicalName]?.(row, context, isNew);
    const stored = context.store.put(table, rowId, row);
    const location = `${apiUrl}${set}(${rowId})`;
    if (creating && /return=representation/.test(prefer)) {
        res.setHeader('OData-EntityId', location);
        sendJson(res, 201, { '@odata.context': `${apiUrl}$metadata#${set}/$entity`, ...shape(stored) });
        return;
    }
    res.writeHead(204, { 'OData-Version': '4.0', 'OData-EntityId': location }).end();
}

function defaults(table: SystemTable): Row {
    const row: Row = {};
    for (const [name, column] of Object.entries(table.columns)) row[name] = column.default ?? null;
    for (const lookup of table.lookups) row[`_${lookup.column}_value`] = null;
    return row;
}

/** A stored row as the Web API returns it: etag, look-up annotations, write-only columns hidden, computed ones added. */
function format(row: Row, table: SystemTable | undefined): Row {
    const out: Row = { '@odata.etag': `W/"${String(row.versionnumber ?? 1)}"` };
    for (const [name, value] of Object.entries(row)) {
        if (table?.columns[name]?.writeOnly) continue;
        out[name] = value;
    }
    for (const lookup of table?.lookups ?? []) {
        const value = row[`_${lookup.column}_value`];
        if (typeof value !== 'string') continue;
        const [nav, set] = Object.entries(lookup.navigation).find(([, s]) => s !== 'plugintypes') ?? [];
        out[`_${lookup.column}_value@Microsoft.Dynamics.CRM.associatednavigationproperty`] = nav;
        out[`_${lookup.column}_value@Microsoft.Dynamics.CRM.lookuplogicalname`] = set?.replace(/s$/, '');
    }
    if (table?.logicalName === 'serviceendpoint') {
        out.isauthvalueset = typeof row.authvalue === 'string' && row.authvalue !== '';
    }
    return out;
}

/** `$select`: the named properties (look-ups by `_x_value`), the primary key and the etag; unknown names refused. */
function picked(row: Row, select: string[] | undefined, logicalName: string): Row {
    if (!select) return row;
    const table = registrationTables.find((t) => t.logicalName === logicalName);
    const out: Row = { '@odata.etag': row['@odata.etag'] };
    for (const name of select) {
        const known =
            name in row ||
            (table !== undefined &&
                (name in table.columns ||
                    readOnlyColumns.includes(name) ||
                    table.lookups.some((l) => `_${l.column}_value` === name)));
        if (!known) {
            throw new SandboxDataverseError(
                400,
                '0x80060888',
                `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`,
            );
        }
        out[name] = row[name] ?? null;
        for (const [key, value] of Object.entries(row)) if (key.startsWith(`${name}@`)) out[key] = value;
    }
    const pk = table?.primaryKey ?? `${logicalName}id`;
    out[pk] = row[pk];
    return out;
}
