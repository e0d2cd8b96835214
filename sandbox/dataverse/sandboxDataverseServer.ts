import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxDataverseError } from './columnValues';
import { DataverseRecords } from './dataverseRecords';
import { serveEntityDefinitions } from './entityDefinitions';
import { isRegistrationSet, serveRegistration } from './registrationApi';
import type { RuleContext } from './registrationRules';
import { RegistrationStore } from './registrationStore';
import { type SandboxDataverseState as State, sandboxControl } from './sandboxControl';
import { referenceAlternateKeys, referenceTables, type TableSchema, tableBySet } from './sandboxSchema';
import { SdkMessageCatalog } from './sdkMessageCatalog';
import { serveCollection } from './webApiCollection';
import { formatRow, parseWriteBody } from './webApiFormat';
import { filterAnnotations, readJson, sendJson } from './webApiHttp';

export type { SandboxDataverseFaults } from './sandboxControl';

export interface SandboxDataverse {
    url: string;
    close(): Promise<void>;
    records: DataverseRecords;
    /** Service endpoints, steps and images registered through the Web API. */
    registration: RegistrationStore;
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A Dataverse Web API subset on node:http for tests and the local launch: GET one row ($select, annotations),
 * GET a table in pages ($select, $count, odata.maxpagesize, @odata.nextLink),
 * PATCH (If-Match: * = update only), POST (create), bearer auth, service-protection faults, and `/sandbox/*`
 * routes to seed and read rows. Rows follow the reference schema (sandboxSchema.ts), or the `tables` given.
 * It also serves the table definitions (`EntityDefinitions`) and the webhook registration tables (service
 * endpoints, SDK messages and filters, steps, images) with Dataverse's validation.
 */
export async function startSandboxDataverse(
    options: {
        port?: number;
        host?: string;
        dataFile?: string;
        now?: () => Date;
        /** The schema to serve (default: the reference schema); tests give one with a table or column missing. */
        tables?: readonly TableSchema[];
    } = {},
): Promise<SandboxDataverse> {
    const host = options.host ?? '127.0.0.1';
    const tables = options.tables ?? referenceTables;
    const state: State = {
        records: new DataverseRecords({
            tables,
            ...(options.dataFile ? { dataFile: options.dataFile } : {}),
            ...(options.now ? { now: options.now } : {}),
        }),
        faults: {},
        requests: 0,
    };
    const registration: RuleContext = {
        tables,
        catalog: new SdkMessageCatalog(tables),
        store: new RegistrationStore({
            ...(options.dataFile ? { dataFile: `${options.dataFile.replace(/\.json$/, '')}-registration.json` } : {}),
            ...(options.now ? { now: options.now } : {}),
        }),
    };
    const server = createServer((req, res) => {
        handle(req, res, state, registration).catch((e: unknown) => {
            if (e instanceof SandboxDataverseError) {
                sendJson(res, e.status, { error: { code: e.dataverseCode, message: e.message } });
                return;
            }
            const message = e instanceof Error ? e.message : String(e);
            sendJson(res, 500, { error: { code: '0x80040216', message: `An unexpected error occurred: ${message}` } });
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${host}:${port}`,
        records: state.records,
        registration: registration.store,
        close: () =>
            new Promise<void>((resolve) => {
                state.records.saveSnapshot();
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    state: State,
    registration: RuleContext,
): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname.startsWith('/sandbox/')) {
        await sandboxControl(req, res, url, state);
        return;
    }
    const metadata = /^\/api\/data\/(v9\.\d+)\/EntityDefinitions(.*)$/.exec(decodeURIComponent(url.pathname));
    const api = /^\/api\/data\/(v9\.\d+)\/([A-Za-z_]\w*)(?:\(([^)]*)\))?$/.exec(url.pathname);
    if (!metadata && (!api?.[1] || !api[2])) {
        sendJson(res, 404, { error: { code: '0x8006088a', message: `Resource not found for ${url.pathname}.` } });
        return;
    }
    if (state.faults.down) {
        sendJson(res, 503, { error: { code: '0x80040216', message: 'The service is temporarily unavailable.' } });
        return;
    }
    if (!/^Bearer\s+\S+/.test(req.headers.authorization ?? '')) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer authorization_uri=https://login.microsoftonline.com/common' });
        res.end();
        return;
    }
    state.requests += 1;
    const every = state.faults.throttleEvery;
    if (every && state.requests % every === 0) {
        res.setHeader('Retry-After', '1');
        sendJson(res, 429, {
            error: {
                code: '0x80072322',
                message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
            },
        });
        return;
    }
    const apiUrl = `http://${req.headers.host}/api/data/${metadata?.[1] ?? api?.[1]}/`;
    if (metadata) {
        if (req.method !== 'GET')
            throw new SandboxDataverseError(405, '0x80060888', 'The sandbox serves table definitions read-only.');
        sendJson(res, 200, serveEntityDefinitions(registration.tables, apiUrl, metadata[2] ?? '', url.searchParams));
        return;
    }
    if (!api?.[2]) return;
    if (isRegistrationSet(api[2])) {
        await serveRegistration(req, res, registration, apiUrl, url, api[2], api[3]);
        return;
    }
    await serveApi(req, res, state.records, apiUrl, url, api[2], api[3]);
}

async function serveApi(
    req: IncomingMessage,
    res: ServerResponse,
    records: DataverseRecords,
    apiUrl: string,
    url: URL,
    entitySet: string,
    key: string | undefined,
): Promise<void> {
    const table = tableBySet(records.tables, entitySet);
    if (!table)
        throw new SandboxDataverseError(404, '0x8006088a', `Resource not found for the segment '${entitySet}'.`);
    const alternate = key === undefined ? undefined : alternateKey(table.logicalName, decodeURIComponent(key));
    // An alternate-key address (`re_units(re_code='MARINA-T1-1203')`) names the row holding that value, if any.
    const keyedId = alternate && records.findIdByKey(table.logicalName, alternate.column, alternate.value);
    const id = alternate
        ? (keyedId ?? (req.method === 'PATCH' ? randomUUID() : undefined))
        : key?.replace(/^\{|\}$/g, '').toLowerCase();
    if (alternate && id === undefined) {
        throw new SandboxDataverseError(
            404,
            '0x80040217',
            `A record with the specified key values does not exist in ${table.logicalName} entity`,
        );
    }
    if (id !== undefined && !guidPattern.test(id)) {
        throw new SandboxDataverseError(400, '0x80060888', 'Bad Request - Error in query syntax.');
    }
    const location = (rowId: string) => `${apiUrl}${entitySet}(${rowId})`;
    const missing = () =>
        new SandboxDataverseError(404, '0x80040217', `${table.logicalName} With Id = ${id} Does Not Exist`);

    if (req.method === 'GET' && id === undefined) {
        serveCollection(req, res, records, apiUrl, url, table);
        return;
    }
    if (req.method === 'GET' && id) {
        const row = records.get(table.logicalName, id);
        if (!row) throw missing();
        const select = url.searchParams.get('$select')?.split(',').filter(Boolean);
        const body = formatRow(apiUrl, table, row, select, (ref) => records.lookupName(ref));
        const prefer = [req.headers.prefer ?? []].flat().join(',');
        const applied = /odata\.include-annotations="[^"]*"/.exec(prefer)?.[0];
        if (applied) res.setHeader('Preference-Applied', applied);
        res.setHeader('ETag', String(body['@odata.etag']));
        sendJson(res, 200, filterAnnotations(body, prefer));
        return;
    }
    if (req.method === 'PATCH' && id) {
        const fields = parseWriteBody(records.tables, table, await readJson(req), (t, c, v) =>
            records.findIdByKey(t, c, v),
        );
        if (alternate) fields[alternate.column] = alternate.value;
        const ifMatch = req.headers['if-match'];
        const current = records.get(table.logicalName, id);
        if (ifMatch !== undefined) {
            if (!current) throw missing();
            if (ifMatch !== '*' && ifMatch !== `W/"${String(current.versionnumber)}"`) {
                throw new SandboxDataverseError(
                    412,
                    '0x80060882',
                    'The version of the existing record does not match.',
                );
            }
        }
        // Without If-Match a PATCH is an upsert, as in Dataverse.
        if (current) records.patch(table.logicalName, id, fields);
        else records.put(table.logicalName, id, fields);
        res.writeHead(204, { 'OData-Version': '4.0', 'OData-EntityId': location(id) });
        res.end();
        return;
    }
    if (req.method === 'POST' && !id) {
        const fields = parseWriteBody(records.tables, table, await readJson(req), (t, c, v) =>
            records.findIdByKey(t, c, v),
        );
        const given = fields[table.primaryKey];
        const newId = typeof given === 'string' ? given.toLowerCase() : randomUUID();
        if (records.get(table.logicalName, newId)) {
            throw new SandboxDataverseError(412, '0x80040237', 'A record with matching key values already exists.');
        }
        records.put(table.logicalName, newId, fields);
        res.writeHead(204, { 'OData-Version': '4.0', 'OData-EntityId': location(newId) });
        res.end();
        return;
    }
    throw new SandboxDataverseError(405, '0x80060888', `The HTTP method '${req.method}' is not allowed here.`);
}

/** `column='value'` (quotes doubled inside) when `column` is an alternate key of the table; 400 for an unknown key. */
function alternateKey(entity: string, key: string): { column: string; value: string } | undefined {
    const match = /^([A-Za-z_]\w*)='((?:[^']|'')*)'$/.exec(key);
    if (!match?.[1] || match[2] === undefined) return undefined;
    if (!referenceAlternateKeys[entity]?.includes(match[1])) {
        throw new SandboxDataverseError(400, '0x80060888', `'${match[1]}' is not an alternate key of ${entity}.`);
    }
    return { column: match[1], value: match[2].replace(/''/g, "'") };
}
