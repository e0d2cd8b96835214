import type { MappingLookup } from '../../ports/mappingLookup';

/** In-memory MappingLookup for unit tests; the Table Storage one holds the same contract. */
export class MemoryMappingLookup implements MappingLookup {
    readonly #tables = new Map<string, Map<string, string>>();

    async get(mapping: string, key: string): Promise<string | undefined> {
        return this.#tables.get(mapping)?.get(key);
    }

    async put(mapping: string, key: string, value: string): Promise<void> {
        const table = this.#tables.get(mapping) ?? new Map<string, string>();
        table.set(key, value);
        this.#tables.set(mapping, table);
    }

    async list(mapping: string): Promise<Array<{ key: string; value: string }>> {
        return [...(this.#tables.get(mapping) ?? new Map<string, string>()).entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, value]) => ({ key, value }));
    }
}
