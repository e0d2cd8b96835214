import { odata, type TableClient } from '@azure/data-tables';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { MappingLookup } from '../../ports/mappingLookup';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';
import { decodeTableKey, encodeTableKey } from './tableKey';

export interface MappingCacheOptions {
    /** How long a value (or its absence) read from the table is trusted; default 60 s, 0 disables the cache. */
    cacheTtlMs?: number;
    /** Entries kept at most; the oldest go first (keys come from messages, so the set must stay bounded). */
    maxCacheEntries?: number;
    clock?: Clock;
}

/**
 * Look-ups in the `mappings` table (PartitionKey = mapping name, RowKey = source key, column `value`), both
 * escaped with encodeTableKey. A short in-process cache keeps the hot path from reading the table per message;
 * another instance's `put` shows here once the TTL has passed, this instance's own `put` at once.
 */
export class TableMappingLookup implements MappingLookup {
    readonly #cache = new Map<string, { value: string | undefined; until: number }>();
    readonly #ttlMs: number;
    readonly #maxEntries: number;
    readonly #clock: Clock;
    /** Counts puts, so a read that raced one is not cached (it may hold the value from before the put). */
    #puts = 0;

    private constructor(
        private readonly table: TableClient,
        options: MappingCacheOptions,
    ) {
        this.#ttlMs = options.cacheTtlMs ?? 60_000;
        this.#maxEntries = options.maxCacheEntries ?? 10_000;
        this.#clock = options.clock ?? systemClock;
    }

    static async create(
        connection: TableConnection,
        options: MappingCacheOptions & { table?: string } = {},
    ): Promise<TableMappingLookup> {
        return TableMappingLookup.fromClient(tableClient(connection, options.table ?? 'mappings'), options);
    }

    /** Over a client built elsewhere (own pipeline or retry options); creates the table if missing. */
    static async fromClient(table: TableClient, options: MappingCacheOptions = {}): Promise<TableMappingLookup> {
        await createTableIfMissing(table);
        return new TableMappingLookup(table, options);
    }

    async get(mapping: string, key: string): Promise<string | undefined> {
        const cacheKey = JSON.stringify([mapping, key]);
        const now = this.#clock.now().getTime();
        const cached = this.#cache.get(cacheKey);
        if (cached && cached.until > now) return cached.value;
        const putsBefore = this.#puts;
        let value: string | undefined;
        try {
            const row = await this.table.getEntity<{ value?: unknown }>(encodeTableKey(mapping), encodeTableKey(key));
            value = typeof row.value === 'string' ? row.value : undefined;
        } catch (e) {
            if (statusOf(e) !== 404) throw translateTableError(e, `reading mapping ${mapping}`);
        }
        if (this.#puts === putsBefore) this.#remember(cacheKey, value, now);
        return value;
    }

    async put(mapping: string, key: string, value: string): Promise<void> {
        const cacheKey = JSON.stringify([mapping, key]);
        this.#puts++;
        try {
            await this.table.upsertEntity(
                { partitionKey: encodeTableKey(mapping), rowKey: encodeTableKey(key), value },
                'Replace',
            );
        } catch (e) {
            throw translateTableError(e, `writing mapping ${mapping}`);
        } finally {
            // Also when the write failed: whether it landed is unknown, so the next get reads the table.
            this.#puts++;
            this.#cache.delete(cacheKey);
        }
    }

    async list(mapping: string): Promise<Array<{ key: string; value: string }>> {
        const rows: Array<{ key: string; value: string }> = [];
        try {
            for await (const row of this.table.listEntities<{ value?: unknown }>({
                queryOptions: { filter: odata`PartitionKey eq ${encodeTableKey(mapping)}` },
            })) {
                if (typeof row.value === 'string')
                    rows.push({ key: decodeTableKey(row.rowKey ?? ''), value: row.value });
            }
        } catch (e) {
            throw translateTableError(e, `listing mapping ${mapping}`);
        }
        // Code-unit order, independent of locale; the in-memory twin sorts the same way.
        return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }

    #remember(cacheKey: string, value: string | undefined, now: number): void {
        if (this.#ttlMs <= 0) return;
        this.#cache.delete(cacheKey);
        this.#cache.set(cacheKey, { value, until: now + this.#ttlMs });
        for (const oldest of this.#cache.keys()) {
            if (this.#cache.size <= this.#maxEntries) break;
            this.#cache.delete(oldest);
        }
    }
}
