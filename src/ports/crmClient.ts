import type { NormalizedAttributes } from '../dataverse/normalizedEvent';

/** Dataverse Web API: reading a row (oversized events, look-ups) and writing the integration's confirmation fields. */
export interface CrmClient {
    /** The row's columns in normalised form, or undefined when the row does not exist. */
    retrieve(entity: string, id: string, columns?: string[]): Promise<NormalizedAttributes | undefined>;
    /** PATCHes only integration-owned columns (the caller guarantees that; the adapter refuses others). */
    writeBack(entity: string, id: string, fields: Record<string, string | number | null>): Promise<void>;
}

/** A row's alternate key (one column), e.g. `{ column: 're_code', value: 'MARINA-T1-1203' }`. */
export interface CrmAlternateKey {
    column: string;
    value: string;
}

/** A column value to write: plain, or a look-up to another row named by its alternate key. */
export type CrmWriteValue = string | number | null | { bind: string; key: CrmAlternateKey };

/** Loading rows the CRM owns (legacy migration): upsert and read by alternate key, so a re-run never duplicates. */
export interface CrmKeyedClient {
    /** `PATCH {set}(key='value')`: creates the row or updates it; resolves to the row's id. */
    upsertByKey(entity: string, key: CrmAlternateKey, fields: Record<string, CrmWriteValue>): Promise<{ id: string }>;
    /** `GET {set}(key='value')`: the row in normalised form (with its id), or undefined. */
    retrieveByKey(entity: string, key: CrmAlternateKey, columns?: string[]): Promise<NormalizedAttributes | undefined>;
}

/** One row of a table read: normalised columns plus the Web API's formatted values (choice labels, …) by column. */
export interface CrmRow {
    attributes: NormalizedAttributes;
    formatted: Record<string, string>;
}

export interface CrmPage {
    rows: CrmRow[];
    /** The link to the next page (`@odata.nextLink`); absent on the last page. Opaque: pass it back as it is. */
    next?: string;
    /** `@odata.count` when asked for; `capped` when Dataverse stopped counting at its limit (5000). */
    count?: { value: number; capped: boolean };
}

/**
 * Reads whole tables one server-driven page at a time (`Prefer: odata.maxpagesize`, `@odata.nextLink`), so a big
 * table streams instead of loading at once. Used by the backup export, reconciliation and the daily sweep; separate
 * from CrmClient so test doubles of the pipeline's client need not grow.
 */
export interface CrmTableReader {
    readPage(
        entity: string,
        request: {
            columns: readonly string[];
            pageSize: number;
            count: boolean;
            next?: string;
            /** An OData `$filter` over column logical names, e.g. `modifiedon ge 2026-11-10T00:00:00Z` (first page only). */
            filter?: string;
        },
    ): Promise<CrmPage>;
}
