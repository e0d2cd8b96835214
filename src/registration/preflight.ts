import type { EntityMap } from '../mapping/entityMapSchema';
import type { RegistrationReader, TableDefinition } from './registrationPort';

export type FindingCode =
    | 'TABLE_MISSING'
    | 'COLUMN_MISSING'
    | 'INTEGRATION_COLUMN_MISSING'
    | 'NOT_A_CHOICE_COLUMN'
    | 'OPTION_VALUE_MISSING'
    | 'OPTION_VALUE_UNMAPPED'
    | 'MESSAGE_FILTER_MISSING'
    | 'ENDPOINT_CONFLICT'
    | 'FOREIGN_STEP_ON_ENDPOINT'
    | 'SECRET_MISSING';

/** Errors stop an apply before anything changes; warnings are reported and change nothing. */
export interface Finding {
    severity: 'error' | 'warning';
    code: FindingCode;
    /** `table`, `table.column` or the endpoint's name: where to look. */
    where: string;
    message: string;
}

const choiceTypes = new Set(['Picklist', 'State', 'Status']);

/** Reads the definition of every table the map touches: its own tables and the related ones it reads. */
export async function readTables(
    map: EntityMap,
    reader: RegistrationReader,
): Promise<Map<string, TableDefinition | undefined>> {
    const names = new Set(Object.keys(map.entities));
    for (const rule of Object.values(map.entities)) for (const r of rule.related) names.add(r.entity);
    const tables = new Map<string, TableDefinition | undefined>();
    for (const name of names) tables.set(name, await reader.readTable(name));
    return tables;
}

/**
 * What the environment lacks for the map to work: mapped tables and columns (own and related), the columns the
 * integration writes back, and option values the map and Dataverse disagree on.
 */
export function preflightFindings(map: EntityMap, tables: Map<string, TableDefinition | undefined>): Finding[] {
    const findings: Finding[] = [];
    const missingTables = new Set<string>();
    const column = (table: string, name: string, why: string) => {
        const definition = tables.get(table);
        if (!definition) {
            if (!missingTables.has(table)) {
                missingTables.add(table);
                findings.push(error('TABLE_MISSING', table, `table ${table} does not exist in Dataverse (${why})`));
            }
            return undefined;
        }
        const type = definition.columns[name];
        if (type === undefined) {
            findings.push(
                error('COLUMN_MISSING', `${table}.${name}`, `column ${table}.${name} does not exist (${why})`),
            );
        }
        return type;
    };

    for (const [table, rule] of Object.entries(map.entities)) {
        for (const field of rule.fields) {
            const type = column(table, field.source, `mapped to ${field.target}`);
            if (field.transform === 'choice' && type !== undefined) {
                findings.push(...choiceFindings(table, field.source, type, field.choices ?? {}, tables.get(table)));
            }
        }
        for (const trigger of rule.triggerColumns ?? []) {
            if (!rule.fields.some((f) => f.source === trigger)) column(table, trigger, 'a trigger column');
        }
        const definition = tables.get(table);
        for (const owned of map.integrationOwnedColumns) {
            if (definition && definition.columns[owned] === undefined) {
                findings.push(
                    error(
                        'INTEGRATION_COLUMN_MISSING',
                        `${table}.${owned}`,
                        `integration-owned column ${table}.${owned} does not exist: every write-back of a ${rule.transactionType} would fail`,
                    ),
                );
            }
        }
    }
    for (const [table, rule] of Object.entries(map.entities)) {
        for (const related of rule.related) {
            for (const [name, target] of Object.entries(related.columns)) {
                column(related.entity, name, `read for ${table} as ${target}`);
            }
        }
    }
    return dedupe(findings);
}

function choiceFindings(
    table: string,
    name: string,
    type: string,
    choices: Record<string, string>,
    definition: TableDefinition | undefined,
): Finding[] {
    const where = `${table}.${name}`;
    if (!choiceTypes.has(type)) {
        return [error('NOT_A_CHOICE_COLUMN', where, `column ${where} is ${type}; the map reads it as a choice`)];
    }
    const options = definition?.options[name] ?? [];
    const known = new Set(options.map((o) => o.value));
    const findings: Finding[] = [];
    for (const [value, domain] of Object.entries(choices)) {
        if (!known.has(Number(value))) {
            findings.push(
                warning(
                    'OPTION_VALUE_MISSING',
                    where,
                    `option ${value} (mapped to ${domain}) does not exist in ${where}: the map was written for another option set`,
                ),
            );
        }
    }
    for (const option of options) {
        if (choices[String(option.value)] === undefined) {
            findings.push(
                warning(
                    'OPTION_VALUE_UNMAPPED',
                    where,
                    `option ${option.value} (${option.label}) of ${where} has no entry in the map: intake refuses rows that hold it`,
                ),
            );
        }
    }
    return findings;
}

/** A column can be both mapped and a trigger, or read by two related look-ups: report it once. */
function dedupe(findings: Finding[]): Finding[] {
    const seen = new Set<string>();
    return findings.filter((f) => {
        const key = `${f.code}\0${f.where}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

export function error(code: FindingCode, where: string, message: string): Finding {
    return { severity: 'error', code, where, message };
}

export function warning(code: FindingCode, where: string, message: string): Finding {
    return { severity: 'warning', code, where, message };
}
