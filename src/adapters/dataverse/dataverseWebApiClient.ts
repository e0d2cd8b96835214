import type { NormalizedAttributes } from '../../dataverse/normalizedEvent';
import type {
    CrmAlternateKey,
    CrmClient,
    CrmKeyedClient,
    CrmPage,
    CrmRow,
    CrmTableReader,
    CrmWriteValue,
} from '../../ports/crmClient';
import { CrmFieldNotOwnedError, CrmRequestError } from '../../ports/crmErrors';
import { faultFromResponse, faultFromStatus, faultFromThrown, readDataverseError } from './dataverseFault';
import { referenceEntitySets, referenceLookupColumns } from './referenceEntities';
import { sendWebApi } from './webApiRequest';
import { normalizeWebApiRow } from './webApiRow';

export interface DataverseWebApiClientOptions {
    /** e.g. `https://contoso.crm4.dynamics.com`, or the sandbox URL. */
    orgUrl: string;
    /** A bearer token for `${orgUrl}/.default` (the composition root wires an @azure/identity credential). */
    getToken: () => Promise<string>;
    /** Table logical name → entity set name; merged over the reference schema's. */
    entitySets?: Record<string, string>;
    /** Table logical name → its look-up columns; merged over the reference schema's (needed to build `$select`). */
    lookupColumns?: Record<string, string[]>;
    /** Table logical name → the columns the integration may write. Everything else belongs to the CRM. */
    integrationOwnedFields: Record<string, string[]>;
    timeoutMs: number;
    apiPath?: string;
}

const guidPattern = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
// Dataverse's "row does not exist"; other 404s (an unknown entity set) are configuration defects, not absence.
const recordNotFound = '0x80040217';

/** The Dataverse Web API (OData v4) over fetch: reads rows in webhook-normalised form, writes integration columns. */
export class DataverseWebApiClient implements CrmClient, CrmKeyedClient, CrmTableReader {
    readonly #apiUrl: string;
    readonly #getToken: () => Promise<string>;
    readonly #entitySets: Record<string, string>;
    readonly #lookupColumns: Record<string, readonly string[]>;
    readonly #owned: Record<string, string[]>;
    readonly #timeoutMs: number;

    constructor(options: DataverseWebApiClientOptions) {
        this.#apiUrl = `${options.orgUrl.replace(/\/+$/, '')}${options.apiPath ?? '/api/data/v9.2'}/`;
        this.#getToken = options.getToken;
        this.#entitySets = { ...referenceEntitySets, ...options.entitySets };
        this.#lookupColumns = { ...referenceLookupColumns, ...options.lookupColumns };
        this.#owned = options.integrationOwnedFields;
        this.#timeoutMs = options.timeoutMs;
    }

    async retrieve(entity: string, id: string, columns?: string[]): Promise<NormalizedAttributes | undefined> {
        const row = this.#rowPath(entity, id);
        const selected = columns && columns.length > 0 ? columns : undefined;
        const select = selected ? `?$select=${selected.map((c) => this.#selectName(entity, c)).join(',')}` : '';
        const label = `GET ${row}`;
        const response = await this.#send(label, `${row}${select}`, {
            method: 'GET',
            headers: { Prefer: 'odata.include-annotations="*"' },
        });
        if (response.status === 404) {
            const detail = await readDataverseError(response);
            if (detail.code === undefined || detail.code === recordNotFound) return undefined;
            throw faultFromStatus(response, detail, label);
        }
        if (!response.ok) throw await faultFromResponse(response, label);
        let body: unknown;
        try {
            body = await response.json();
        } catch (e) {
            // The timeout also covers reading the body; a cut or garbled body is an outage, not a missing row.
            throw faultFromThrown(e, label, this.#timeoutMs);
        }
        return normalizeWebApiRow(body as Record<string, unknown>, selected);
    }

    async writeBack(entity: string, id: string, fields: Record<string, string | number | null>): Promise<void> {
        const owned = this.#owned[entity] ?? [];
        const names = Object.keys(fields);
        // Refused before any request: the integration never overwrites a column the CRM owns.
        const foreign = names.find((name) => !owned.includes(name));
        if (foreign !== undefined) throw new CrmFieldNotOwnedError(entity, foreign);
        if (names.length === 0) return;
        const row = this.#rowPath(entity, id);
        const label = `PATCH ${row}`;
        const response = await this.#send(label, row, {
            method: 'PATCH',
            // If-Match: * turns the upsert into update-only: a deleted row answers 404 instead of being recreated.
            headers: { 'Content-Type': 'application/json; charset=utf-8', 'If-Match': '*' },
            body: JSON.stringify(fields),
        });
        if (!response.ok) throw await faultFromResponse(response, label);
        await response.body?.cancel();
    }

    async upsertByKey(
        entity: string,
        key: CrmAlternateKey,
        fields: Record<string, CrmWriteValue>,
    ): Promise<{ id: string }> {
        const row = this.#keyPath(entity, key);
        const body: Record<string, string | number | null> = {};
        for (const [column, value] of Object.entries(fields)) {
            if (value !== null && typeof value === 'object') {
                body[`${column}@odata.bind`] = `/${this.#keyPath(value.bind, value.key)}`;
            } else body[column] = value;
        }
        const label = `PATCH ${this.#setName(entity)}(${key.column}=…)`;
        // No If-Match and no If-None-Match: Dataverse creates the row or updates the one holding the key.
        const response = await this.#send(label, row, {
            method: 'PATCH',
            headers: { 'Content-Type': 'application/json; charset=utf-8' },
            body: JSON.stringify(body),
        });
        if (!response.ok) throw await faultFromResponse(response, label);
        await response.body?.cancel();
        const id = /\(([0-9a-f-]{36})\)$/i.exec(response.headers.get('OData-EntityId') ?? '')?.[1];
        if (id === undefined) throw new CrmRequestError(`${label}: the answer has no OData-EntityId`, 502, undefined);
        return { id: id.toLowerCase() };
    }

    async retrieveByKey(
        entity: string,
        key: CrmAlternateKey,
        columns?: string[],
    ): Promise<NormalizedAttributes | undefined> {
        const row = this.#keyPath(entity, key);
        const selected = columns && columns.length > 0 ? columns : undefined;
        const select = selected ? `?$select=${selected.map((c) => this.#selectName(entity, c)).join(',')}` : '';
        const label = `GET ${this.#setName(entity)}(${key.column}=…)`;
        const response = await this.#send(label, `${row}${select}`, {
            method: 'GET',
            headers: { Prefer: 'odata.include-annotations="*"' },
        });
        if (response.status === 404) {
            const detail = await readDataverseError(response);
            if (detail.code === undefined || detail.code === recordNotFound) return undefined;
            throw faultFromStatus(response, detail, label);
        }
        if (!response.ok) throw await faultFromResponse(response, label);
        const body = (await response.json()) as Record<string, unknown>;
        const primaryKey = `${entity}id`;
        return normalizeWebApiRow(body, selected ? [...selected, primaryKey] : undefined);
    }

    /** `set(column='value')`, the value's quotes doubled and the whole segment URL-encoded. */
    #keyPath(entity: string, key: CrmAlternateKey): string {
        const value = encodeURIComponent(key.value.replace(/'/g, "''"));
        return `${this.#setName(entity)}(${key.column}='${value}')`;
    }

    #setName(entity: string): string {
        const set = this.#entitySets[entity];
        if (set === undefined)
            throw new CrmRequestError(`no entity set name is configured for ${entity}`, 400, undefined);
        return set;
    }

    /**
     * One page of a table: the first with `$select` (and `$count=true` when asked), later ones by following the
     * previous page's `@odata.nextLink` as it is. A next link that leaves this organisation's API is refused, so the
     * token is never sent elsewhere.
     */
    async readPage(
        entity: string,
        request: { columns: readonly string[]; pageSize: number; count: boolean; next?: string; filter?: string },
    ): Promise<CrmPage> {
        const set = this.#entitySets[entity];
        if (set === undefined)
            throw new CrmRequestError(`no entity set name is configured for ${entity}`, 400, undefined);
        if (request.next !== undefined && !request.next.startsWith(this.#apiUrl)) {
            throw new CrmRequestError(`GET ${set}: the next link does not point at ${this.#apiUrl}`, 400, undefined);
        }
        const select = request.columns.map((c) => this.#selectName(entity, c)).join(',');
        // The next link carries the filter on: only the first page names it.
        const filter = request.filter ? `&$filter=${encodeURIComponent(request.filter)}` : '';
        const path =
            request.next?.slice(this.#apiUrl.length) ??
            `${set}?$select=${select}${filter}${request.count ? '&$count=true' : ''}`;
        const label = `GET ${set} (page)`;
        const response = await this.#send(label, path, {
            method: 'GET',
            headers: { Prefer: `odata.include-annotations="*",odata.maxpagesize=${request.pageSize}` },
        });
        if (!response.ok) throw await faultFromResponse(response, label);
        let body: Record<string, unknown>;
        try {
            body = (await response.json()) as Record<string, unknown>;
        } catch (e) {
            throw faultFromThrown(e, label, this.#timeoutMs);
        }
        if (!Array.isArray(body.value))
            throw new CrmRequestError(`${label}: the answer has no value array`, 502, undefined);
        const rows: CrmRow[] = (body.value as Record<string, unknown>[]).map((row) => ({
            attributes: normalizeWebApiRow(row, request.columns),
            formatted: formattedValues(row),
        }));
        const next = body['@odata.nextLink'];
        const count = body['@odata.count'];
        return {
            rows,
            ...(typeof next === 'string' ? { next } : {}),
            ...(typeof count === 'number'
                ? {
                      count: {
                          value: count,
                          capped: body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] === true,
                      },
                  }
                : {}),
        };
    }

    #send(label: string, path: string, init: { method: string; headers: Record<string, string>; body?: string }) {
        return sendWebApi(
            { apiUrl: this.#apiUrl, getToken: this.#getToken, timeoutMs: this.#timeoutMs },
            label,
            path,
            init,
        );
    }

    #rowPath(entity: string, id: string): string {
        const set = this.#entitySets[entity];
        if (set === undefined)
            throw new CrmRequestError(`no entity set name is configured for ${entity}`, 400, undefined);
        const guid = guidPattern.exec(id)?.[1];
        if (guid === undefined) throw new CrmRequestError(`${entity} id '${id}' is not a GUID`, 400, undefined);
        return `${set}(${guid.toLowerCase()})`;
    }

    #selectName(entity: string, column: string): string {
        return this.#lookupColumns[entity]?.includes(column) ? `_${column}_value` : column;
    }
}

const formattedSuffix = '@OData.Community.Display.V1.FormattedValue';

/** Formatted values of plain columns (`re_status` → `Reserved`); look-up names are already in the normalised row. */
function formattedValues(row: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(row)) {
        if (!key.endsWith(formattedSuffix) || typeof value !== 'string') continue;
        const column = key.slice(0, -formattedSuffix.length);
        if (!/^_.+_value$/.test(column)) out[column] = value;
    }
    return out;
}
