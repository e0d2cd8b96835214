import type { Finding } from './finding';
import type { CleanValue } from './legacyValue';
import type { TableRule } from './migrationMapSchema';

/** A look-up to load: the referenced table (map id) and the referenced row's key (its Dataverse alternate key). */
export interface PlannedRef {
    table: string;
    key: string;
}

/** One row to load, cleansed: its key, the values to write by target column and its look-ups. */
export interface PlannedRecord {
    key: string;
    /** How the source names the row (for findings and reports). */
    sourceRef: string;
    line: number;
    values: Record<string, CleanValue>;
    refs: Record<string, PlannedRef | null>;
    /** Other source rows merged into this one (duplicate buyers), as the source names them. */
    mergedFrom: string[];
}

export interface PlannedTable {
    rule: TableRule;
    sourceRows: number;
    records: PlannedRecord[];
    /** By key. */
    byKey: Map<string, PlannedRecord>;
}

/** What an audit yields: every table in load order, cleansed, and what was found on the way. */
export interface MigrationPlan {
    tables: PlannedTable[];
    findings: Finding[];
}

export function plannedTable(plan: MigrationPlan, id: string): PlannedTable {
    const table = plan.tables.find((t) => t.rule.id === id);
    if (!table) throw new Error(`the migration map has no table '${id}'`);
    return table;
}

export const blockingFindings = (plan: MigrationPlan): Finding[] => plan.findings.filter((f) => f.blocks);
