import { businessChecks } from './businessChecks';
import { Findings } from './finding';
import type { LegacySource } from './legacySource';
import { type CleanValue, cleanValue, normaliseCode } from './legacyValue';
import type { FieldRule, MigrationMap, TableRule } from './migrationMapSchema';
import type { MigrationPlan, PlannedRecord, PlannedTable } from './migrationPlan';

interface ParsedRow {
    record: PlannedRecord;
    /** Values by target column, including columns read only for matching (legacy ids). */
    all: Record<string, CleanValue>;
    /** What other files call this row: the `referencedBy` column, or the key. */
    refValue: string | null;
}

/**
 * Audits and cleanses the legacy source in the map's load order: required fields, values that cannot be read,
 * duplicate keys, duplicate records merged by their conflict rules, naming drift, orphans (a reference to a row
 * the export does not hold), then the business checks. Changes nothing anywhere: it only reads `source`.
 */
export function auditSource(source: LegacySource, map: MigrationMap): MigrationPlan {
    const findings = new Findings();
    const tables: PlannedTable[] = [];
    // Map id → what other files call a row → the row (merged duplicates are found under every name they had).
    const index = new Map<string, Map<string, PlannedRecord>>();
    for (const rule of map.tables) {
        const file = source.files.get(rule.file);
        if (!file) throw new Error(`source has no ${rule.file}`);
        const parsed = file.rows.map((row) => parseRow(rule, row, map.defaultCountryCode, findings));
        const kept = rule.duplicatesBy
            ? mergeDuplicates(rule, parsed, findings)
            : dropDuplicateKeys(rule, parsed, findings);
        const names = new Map<string, PlannedRecord>();
        for (const { row, names: aliases } of kept) for (const name of aliases) names.set(name, row.record);
        index.set(rule.id, names);
        for (const { row } of kept) resolveRefs(rule, row, index, findings);
        const records = kept.map((k) => k.row.record);
        tables.push({
            rule,
            sourceRows: file.rows.length,
            records,
            byKey: new Map(records.map((r) => [r.key, r])),
        });
    }
    const plan: MigrationPlan = { tables, findings: [] };
    businessChecks(plan, findings);
    plan.findings = findings.list();
    return plan;
}

function parseRow(
    rule: TableRule,
    row: { line: number; cells: Record<string, string> },
    countryCode: string,
    findings: Findings,
): ParsedRow {
    const all: Record<string, CleanValue> = {};
    const keyField = rule.fields.find((f) => f.target === rule.key) as FieldRule;
    const refField = rule.fields.find((f) => f.target === (rule.referencedBy ?? rule.key)) ?? keyField;
    const sourceRef = (row.cells[refField.source] ?? '').trim() || `line ${row.line}`;
    const base = { table: rule.id, file: rule.file, row: sourceRef };
    for (const field of rule.fields) {
        const raw = row.cells[field.source] ?? '';
        const value = cleanValue(field, raw, row.cells, countryCode);
        if (!value.ok) {
            findings.add(
                {
                    ...base,
                    rule: 'INVALID_VALUE',
                    blocks: true,
                    message: `${rule.file} ${field.source}: ${value.error}`,
                },
                field.source,
            );
            all[field.target] = null;
            continue;
        }
        all[field.target] = value.value;
        if (value.value === null && field.required) {
            findings.add(
                {
                    ...base,
                    rule: 'MISSING_REQUIRED',
                    blocks: true,
                    message: `${rule.file}: required column '${field.source}' is empty`,
                },
                field.source,
            );
        }
        // The same code written another way (`T1-1203`, `marina t1 1203`): loaded under its standard form.
        const drifted =
            (field.transform === 'unitCode' || field.transform === 'reference') &&
            typeof value.value === 'string' &&
            value.value !== raw.trim();
        if (drifted) {
            const of = field.transform === 'reference' ? (field.references ?? rule.id) : rule.id;
            findings.add(
                {
                    ...base,
                    rule: `${of.toUpperCase()}_NAMING_DRIFT`,
                    blocks: false,
                    message: `${rule.file} ${field.source}: ${of} codes written in a non-standard form, loaded in the standard form`,
                },
                field.source,
            );
        }
    }
    const key = typeof all[rule.key] === 'string' ? (all[rule.key] as string) : `line ${row.line}`;
    const refValue = all[rule.referencedBy ?? rule.key];
    const values: Record<string, CleanValue> = {};
    for (const field of rule.fields) {
        if (field.load && field.transform !== 'reference') values[field.target] = all[field.target] ?? null;
    }
    return {
        record: { key, sourceRef, line: row.line, values, refs: {}, mergedFrom: [] },
        all,
        refValue: typeof refValue === 'string' ? refValue : null,
    };
}

type Kept = { row: ParsedRow; names: string[] };

function dropDuplicateKeys(rule: TableRule, rows: ParsedRow[], findings: Findings): Kept[] {
    const byKey = new Map<string, Kept>();
    for (const row of rows) {
        const first = byKey.get(row.record.key);
        if (!first) {
            byKey.set(row.record.key, { row, names: row.refValue ? [row.refValue] : [] });
            continue;
        }
        findings.add(
            {
                rule: 'DUPLICATE_KEY',
                blocks: true,
                table: rule.id,
                file: rule.file,
                row: row.record.sourceRef,
                message: `${rule.file}: the same ${rule.key} on more than one row (lines ${first.row.record.line} and later)`,
            },
            row.record.key,
        );
    }
    return [...byKey.values()];
}

/**
 * Rows sharing a normalised value in any `duplicatesBy` column are one record (union of the matches), kept at the
 * first row's place; each column's value is chosen by its conflict rule; the others' names resolve to it.
 */
function mergeDuplicates(rule: TableRule, rows: ParsedRow[], findings: Findings): Kept[] {
    const parent = rows.map((_, i) => i);
    const root = (i: number): number => {
        let r = i;
        while (parent[r] !== r) r = parent[r] as number;
        parent[i] = r;
        return r;
    };
    for (const column of rule.duplicatesBy ?? []) {
        const seen = new Map<string, number>();
        for (const [i, row] of rows.entries()) {
            const value = row.all[column];
            if (value === null || value === undefined || value === '') continue;
            const first = seen.get(String(value));
            if (first === undefined) seen.set(String(value), i);
            else {
                const [a, b] = [root(first), root(i)];
                parent[Math.max(a, b)] = Math.min(a, b);
            }
        }
    }
    const groups = new Map<number, ParsedRow[]>();
    for (const [i, row] of rows.entries()) {
        const r = root(i);
        groups.set(r, [...(groups.get(r) ?? []), row]);
    }
    const kept: Kept[] = [];
    for (const group of groups.values()) {
        const [first, ...others] = group as [ParsedRow, ...ParsedRow[]];
        const names = group.flatMap((g) => (g.refValue ? [g.refValue] : []));
        if (others.length > 0) {
            mergeInto(rule, first, others, findings);
            findings.addGroup({
                rule: `DUPLICATE_${rule.id.toUpperCase()}`,
                blocks: false,
                table: rule.id,
                file: rule.file,
                rows: group.map((g) => g.record.sourceRef),
                message: `${rule.file}: ${group.length} rows are one ${rule.id} (same ${rule.duplicatesBy?.join(' / ')}), merged into ${first.record.sourceRef}`,
            });
        }
        kept.push({ row: first, names });
    }
    return kept;
}

function mergeInto(rule: TableRule, first: ParsedRow, others: ParsedRow[], findings: Findings): void {
    const group = [first, ...others];
    first.record.mergedFrom = others.map((o) => o.record.sourceRef);
    for (const field of rule.fields) {
        if (!field.load) continue;
        const values = group.map((g) => g.all[field.target]).filter((v) => v !== null && v !== undefined);
        if (values.length === 0) continue;
        if (field.conflict === 'mustAgree' && new Set(values).size > 1) {
            findings.add(
                {
                    rule: 'DUPLICATE_CONFLICT',
                    blocks: true,
                    table: rule.id,
                    file: rule.file,
                    row: first.record.sourceRef,
                    message: `${rule.file}: merged rows disagree on '${field.source}' (conflict rule mustAgree)`,
                },
                field.source,
            );
        }
        const chosen = field.conflict === 'lastNonEmpty' ? values[values.length - 1] : values[0];
        first.record.values[field.target] = chosen ?? null;
        first.all[field.target] = chosen ?? null;
    }
    const key = first.all[rule.key];
    if (typeof key === 'string') first.record.key = key;
}

function resolveRefs(
    rule: TableRule,
    row: ParsedRow,
    index: Map<string, Map<string, PlannedRecord>>,
    findings: Findings,
): void {
    for (const field of rule.fields) {
        if (field.transform !== 'reference' || !field.references) continue;
        const value = row.all[field.target];
        if (value === null || value === undefined) {
            row.record.refs[field.target] = null;
            continue;
        }
        const target = index.get(field.references)?.get(normaliseCode(String(value)));
        if (target) {
            row.record.refs[field.target] = { table: field.references, key: target.key };
            continue;
        }
        row.record.refs[field.target] = null;
        findings.add(
            {
                rule: `ORPHAN_${rule.id.toUpperCase()}`,
                blocks: true,
                table: rule.id,
                file: rule.file,
                row: row.record.sourceRef,
                message: `${rule.file} ${field.source}: names a ${field.references} the export does not hold`,
            },
            field.source,
        );
    }
}
