import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { MappingLookup } from '../../ports/mappingLookup';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

/**
 * Look-ups in the `mappings` table (PartitionKey = mapping name, RowKey = source key, column `value`).
 * Keys are URI-encoded because RowKey forbids / \ # ?. A short in-process cache keeps the hot path off the table.
 */
export class TableMappingLookup implements MappingLookup {
    readonly #cache = new Map<string, { value: string | undefined; until: number }>();

    private constructor(
        private readonly table: TableClient,
        private readonly cacheTtlMs: number,
    ) {}

    static async create(
        connection: TableConnection,
        options: { table?: string; cacheTtlMs?: number } = {},
    ): Promise<TableMappingLookup> {
        const lookup = new TableMappingLookup(
            tableClient(connection, options.table ?? 'mappings'),
            options.cacheTtlMs ?? 60_000,
        );
        await createTableIfMissing(lookup.table);
        return lookup;
    }

    async get(mapping: string, key: string): Promise<string | undefined> {
        const cacheKey = `${mapping}\u0000${key}`;
        const cached = this.#cache.get(cacheKey);
        if (cached && cached.until > Date.now()) return cached.value;
        let value: string | undefined;
        try {
            value = (await this.table.getEntity<{ value: string }>(encode(mapping), encode(key))).value;
        } catch (e) {
            if (statusOf(e) !== 404) throw translateTableError(e, `reading mapping ${mapping}`);
        }
        this.#cache.set(cacheKey, { value, until: Date.now() + this.cacheTtlMs });
        return value;
    }

    async put(mapping: string, key: string, value: string): Promise<void> {
        try {
            await this.table.upsertEntity({ partitionKey: encode(mapping), rowKey: encode(key), value }, 'Replace');
        } catch (e) {
            throw translateTableError(e, `writing mapping ${mapping}`);
        }
        this.#cache.set(`${mapping}\u0000${key}`, { value, until: Date.now() + this.cacheTtlMs });
    }

    async list(mapping: string): Promise<Array<{ key: string; value: string }>> {
        const rows: Array<{ key: string; value: string }> = [];
        try {
            for await (const row of this.table.listEntities<{ value: string }>({
                queryOptions: { filter: odata`PartitionKey eq ${encode(mapping)}` },
            })) {
                rows.push({ key: decodeURIComponent(row.rowKey ?? ''), value: row.value });
            }
        } catch (e) {
            throw translateTableError(e, `listing mapping ${mapping}`);
        }
        return rows.sort((a, b) => a.key.localeCompare(b.key));
    }
}

function encode(value: string): string {
    return encodeURIComponent(value);
}
