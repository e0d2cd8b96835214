import type { IncomingMessage, ServerResponse } from 'node:http';
import { SandboxDataverseError } from './columnValues';
import type { DataverseRecords } from './dataverseRecords';
import { parseFilter } from './odataFilter';
import type { TableSchema } from './sandboxSchema';
import { formatRow } from './webApiFormat';
import { filterAnnotations, sendJson } from './webApiHttp';

/** Dataverse's default and largest page, and the most `$count=true` counts before it gives up. */
const maxPageSize = 5000;
export const countLimit = 5000;

/**
 * `GET {set}` the way the Web API pages a table: `$select`, `$filter` (the part odataFilter.ts answers, over the
 * columns' logical names), `$count=true` (`@odata.count`, capped at 5000 with
 * `@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded`), `Prefer: odata.maxpagesize=n` and `@odata.nextLink`
 * carrying the original query plus an opaque `$skiptoken`. Rows come in primary-key order, as Dataverse pages them,
 * so a row created behind the cursor is not in this read and nothing is read twice.
 */
export function serveCollection(
    req: IncomingMessage,
    res: ServerResponse,
    records: DataverseRecords,
    apiUrl: string,
    url: URL,
    table: TableSchema,
): void {
    const select = url.searchParams.get('$select')?.split(',').filter(Boolean);
    const prefer = [req.headers.prefer ?? []].flat().join(',');
    const asked = /odata\.maxpagesize=(\d+)/.exec(prefer)?.[1];
    const pageSize = Math.min(maxPageSize, Math.max(1, Number(asked ?? maxPageSize)));
    const after = skipTokenAfter(url.searchParams.get('$skiptoken'));
    const filter = url.searchParams.get('$filter');
    const matches = filter ? parseFilter(filter) : () => true;
    const rows = records
        .list(table.logicalName)
        .filter((row) => matches(row))
        .map((row) => ({ id: String(row[table.primaryKey]), row }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const remaining = after === undefined ? rows : rows.filter((r) => r.id > after);
    const page = remaining.slice(0, pageSize);
    const body: Record<string, unknown> = {
        '@odata.context': `${apiUrl}$metadata#${table.entitySet}${select ? `(${select.join(',')})` : ''}`,
    };
    if (url.searchParams.get('$count') === 'true') {
        body['@odata.count'] = Math.min(rows.length, countLimit);
        if (rows.length > countLimit) body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = true;
    }
    body.value = page.map(({ row }) => {
        const { '@odata.context': _context, ...formatted } = formatRow(apiUrl, table, row, select, (ref) =>
            records.lookupName(ref),
        );
        return filterAnnotations(formatted, prefer);
    });
    const last = page.at(-1);
    if (last && remaining.length > page.length) {
        const next = new URL(url.toString());
        next.searchParams.set('$skiptoken', skipToken(last.id, Math.floor(rows.length - remaining.length) + 2));
        body['@odata.nextLink'] = `${apiUrl}${table.entitySet}${next.search}`;
    }
    const applied = [
        asked ? `odata.maxpagesize=${pageSize}` : '',
        /odata\.include-annotations="[^"]*"/.exec(prefer)?.[0],
    ]
        .filter(Boolean)
        .join(',');
    if (applied) res.setHeader('Preference-Applied', applied);
    sendJson(res, 200, filterAnnotations(body, prefer));
}

// Shaped like Dataverse's paging cookie; only the sandbox reads it back.
function skipToken(lastId: string, pageNumber: number): string {
    return `<cookie pagenumber="${pageNumber}" pagingcookie="${lastId}" istracking="False" />`;
}

function skipTokenAfter(token: string | null): string | undefined {
    if (token === null) return undefined;
    const id = /pagingcookie="([0-9a-f-]{36})"/.exec(token)?.[1];
    if (!id) throw new SandboxDataverseError(400, '0x80060888', 'The $skiptoken is not valid.');
    return id;
}
