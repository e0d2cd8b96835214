import type { TableClient } from '@azure/data-tables';
import { statusOf, translateTableError } from './tableErrors';
import { encodeTableKey } from './tableKey';

type Row = { json: string } & Record<string, string | number | boolean>;

/**
 * Records stored as JSON in one partition, each with a `version` counter: create is insert-only (409 → exists) and
 * replace is compare-and-set on the ETag read with the version, so two writers never overwrite each other.
 * `columns` are copied out of the record into their own properties for server-side filters.
 */
export class VersionedRows<T extends { version: number }> {
    constructor(
        private readonly table: TableClient,
        private readonly partition: string,
        private readonly what: string,
        private readonly columns: (record: T) => Record<string, string> = () => ({}),
    ) {}

    async create(key: string, record: T): Promise<'created' | 'exists'> {
        try {
            await this.table.createEntity(this.#row(key, record));
            return 'created';
        } catch (e) {
            if (statusOf(e) === 409) return 'exists';
            throw translateTableError(e, `recording ${this.what}`);
        }
    }

    async get(key: string): Promise<T | undefined> {
        return (await this.#read(key))?.record;
    }

    async replace(key: string, next: T, expectedVersion: number): Promise<boolean> {
        const current = await this.#read(key);
        if (!current || current.record.version !== expectedVersion) return false;
        try {
            await this.table.updateEntity(this.#row(key, { ...next, version: expectedVersion + 1 }), 'Replace', {
                etag: current.etag,
            });
            return true;
        } catch (e) {
            if (statusOf(e) === 412) return false;
            throw translateTableError(e, `updating ${this.what}`);
        }
    }

    async list(filter: string | undefined): Promise<T[]> {
        const found: T[] = [];
        const partition = `PartitionKey eq '${this.partition}'`;
        try {
            for await (const row of this.table.listEntities<Row>({
                queryOptions: { filter: filter ? `${partition} and (${filter})` : partition },
            })) {
                found.push(JSON.parse(row.json) as T);
            }
        } catch (e) {
            throw translateTableError(e, `listing ${this.what}`);
        }
        return found;
    }

    async #read(key: string): Promise<{ record: T; etag: string } | undefined> {
        try {
            const row = await this.table.getEntity<Row>(this.partition, encodeTableKey(key));
            return { record: JSON.parse(row.json) as T, etag: row.etag };
        } catch (e) {
            if (statusOf(e) === 404) return undefined;
            throw translateTableError(e, `reading ${this.what}`);
        }
    }

    #row(key: string, record: T) {
        return {
            partitionKey: this.partition,
            rowKey: encodeTableKey(key),
            ...this.columns(record),
            json: JSON.stringify(record),
        };
    }
}
