import type { MappingLookup } from '../../ports/mappingLookup';

/** In-memory MappingLookup for unit tests; the Table Storage one holds the same contract. */
export class MemoryMappingLookup implements MappingLookup {
    readonly #mappings = new Map<string, Map<string, string>>();

    async get(mapping: string, key: string): Promise<string | undefined> {
        return this.#mappings.get(mapping)?.get(key);
    }

    async put(mapping: string, key: string, value: string): Promise<void> {
        const entries = this.#mappings.get(mapping) ?? new Map<string, string>();
        entries.set(key, value);
        this.#mappings.set(mapping, entries);
    }

    async list(mapping: string): Promise<Array<{ key: string; value: string }>> {
        // Code-unit order, independent of locale, as the Table Storage lookup sorts.
        return [...(this.#mappings.get(mapping) ?? new Map<string, string>())]
            .map(([key, value]) => ({ key, value }))
            .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
}
