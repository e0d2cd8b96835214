import type { NormalizedAttributes, NormalizedValue } from '../dataverse/normalizedEvent';
import { isEntityRef } from '../dataverse/normalizedEvent';
import type { EntityMap } from '../mapping/entityMapSchema';
import type { CrmClient } from '../ports/crmClient';
import type { MappingLookup } from '../ports/mappingLookup';

/** Columns of a related row, flattened: look-ups become their GUID. */
export type RelatedColumns = Record<string, string | number | boolean | null>;

/**
 * Reads the related rows the map asks for (a reservation's unit, a unit's building). Rows seen in events are indexed
 * in the mapping table (`record:<table>`), so the CRM is read only for rows the integration has never seen:
 * that keeps intake inside Dataverse's service protection limits during a launch spike.
 */
export class RelatedRecords {
    readonly #lookup: MappingLookup;
    readonly #crm: CrmClient;
    readonly #columnsByEntity: Map<string, string[]>;

    constructor(map: EntityMap, lookup: MappingLookup, crm: CrmClient) {
        this.#lookup = lookup;
        this.#crm = crm;
        this.#columnsByEntity = relatedColumnsByEntity(map);
    }

    /** Remembers the columns other rules read from this row, from an event that carries them. */
    async index(entity: string, id: string, attributes: NormalizedAttributes): Promise<void> {
        const columns = this.#columnsByEntity.get(entity);
        if (!columns) return;
        const known = flatten(attributes, columns);
        if (columns.every((c) => c in known)) await this.#lookup.put(`record:${entity}`, id, JSON.stringify(known));
    }

    /** The columns of one related row; undefined when the CRM has no such row. Throws when the CRM cannot answer. */
    async read(entity: string, id: string): Promise<RelatedColumns | undefined> {
        const columns = this.#columnsByEntity.get(entity) ?? [];
        const cached = await this.#lookup.get(`record:${entity}`, id);
        if (cached !== undefined) return JSON.parse(cached) as RelatedColumns;
        const row = await this.#crm.retrieve(entity, id, columns);
        if (!row) return undefined;
        const known = flatten(row, columns);
        await this.#lookup.put(`record:${entity}`, id, JSON.stringify(known));
        return known;
    }
}

function relatedColumnsByEntity(map: EntityMap): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const rule of Object.values(map.entities)) {
        for (const related of rule.related) {
            const set = new Set(result.get(related.entity) ?? []);
            for (const column of Object.keys(related.columns)) set.add(column);
            result.set(related.entity, [...set].sort());
        }
    }
    return result;
}

function flatten(attributes: NormalizedAttributes, columns: string[]): RelatedColumns {
    const out: RelatedColumns = {};
    for (const column of columns) {
        const value: NormalizedValue | undefined = attributes[column];
        if (value === undefined) continue;
        if (isEntityRef(value)) out[column] = value.id.toLowerCase();
        else if (value === null || typeof value !== 'object') out[column] = value;
    }
    return out;
}
