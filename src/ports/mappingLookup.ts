/**
 * Look-ups the ERP map needs (broker firm / agent code → ERP vendor id, building → ERP cost centre).
 * Kept in a Table Storage table `mappings` (PartitionKey = mapping name, RowKey = source key, column `value`).
 */
export interface MappingLookup {
    /** The mapped value, or undefined when the table has no row for this key. */
    get(mapping: string, key: string): Promise<string | undefined>;
    put(mapping: string, key: string, value: string): Promise<void>;
    list(mapping: string): Promise<Array<{ key: string; value: string }>>;
}
