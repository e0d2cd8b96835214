import type { EntityMap, FieldRule } from './entityMapSchema';

/** One row of the field map a business reviewer signs off (the seeds' "field map as a business document"). */
export interface FieldMapRow {
    sourceTable: string;
    sourceField: string;
    targetField: string;
    transformation: string;
    required: 'required' | 'optional';
    conflictRule: string;
    syncDirection: string;
}

const conflictText = { crmWins: 'CRM wins', erpWins: 'ERP wins' } as const;
const directionText = { crmToErp: 'CRM → ERP', erpToCrm: 'ERP → CRM' } as const;

export function entityMapRows(map: EntityMap): FieldMapRow[] {
    const rows: FieldMapRow[] = [];
    for (const [table, rule] of Object.entries(map.entities)) {
        rows.push({
            sourceTable: table,
            sourceField: `${table}id`,
            targetField: `${rule.transactionType}.${rule.recordIdTarget}`,
            transformation: 'record id (GUID)',
            required: 'required',
            conflictRule: 'CRM wins',
            syncDirection: 'CRM → ERP',
        });
        for (const field of rule.fields) {
            rows.push({
                sourceTable: table,
                sourceField: field.source,
                targetField: `${rule.transactionType}.${field.target}`,
                transformation: describeTransform(field),
                required: field.required ? 'required' : 'optional',
                conflictRule: conflictText[field.conflict],
                syncDirection: directionText[field.direction],
            });
        }
        for (const related of rule.related) {
            for (const [column, target] of Object.entries(related.columns)) {
                rows.push({
                    sourceTable: related.entity,
                    sourceField: column,
                    targetField: `${rule.transactionType}.${target}`,
                    transformation: `read from the related ${related.entity} (via ${related.via})`,
                    required: 'optional',
                    conflictRule: 'CRM wins',
                    syncDirection: 'CRM → ERP',
                });
            }
        }
    }
    return rows;
}

function describeTransform(field: FieldRule): string {
    const note = field.note ? `; ${field.note}` : '';
    switch (field.transform) {
        case 'choice':
            return `choice: ${Object.entries(field.choices ?? {})
                .map(([k, v]) => `${k}→${v}`)
                .join(', ')}${note}`;
        case 'money':
            return `Money → amount (2 decimals)${note}`;
        case 'date':
            return `DateTime → ISO 8601 UTC${note}`;
        case 'lookupId':
            return `Lookup → record id${note}`;
        default:
            return `${field.transform}${note}`;
    }
}

/** The active map version as a Markdown document (`npm run map:doc`). */
export function renderEntityMapMarkdown(map: EntityMap): string {
    const lines = [
        `# Entity map ${map.version}`,
        '',
        map.description ?? '',
        '',
        `Integration-owned columns (written only by the integration; an update touching only these is not an event): ${map.integrationOwnedColumns.map((c) => `\`${c}\``).join(', ')}.`,
        '',
        '| Source table | Source field | Target field | Transformation | Required | Conflict rule | Sync direction |',
        '|---|---|---|---|---|---|---|',
        ...entityMapRows(map).map(
            (r) =>
                `| ${r.sourceTable} | ${r.sourceField} | ${r.targetField} | ${r.transformation.replace(/\|/g, '\\|')} | ${r.required} | ${r.conflictRule} | ${r.syncDirection} |`,
        ),
        '',
        '## Transactions',
        '',
        '| Source table | Transaction | Messages | Ordered by session | Cancellation | Bad rows go to | Description |',
        '|---|---|---|---|---|---|---|',
        ...Object.entries(map.entities).map(
            ([table, rule]) =>
                `| ${table} | ${rule.transactionType} | ${rule.messages.join(', ')} | ${rule.session.prefix} (${rule.session.field}) | ${rule.cancelWhen ? `${rule.cancelWhen.field} = ${rule.cancelWhen.equals}` : '—'}${rule.onDelete === 'cancel' ? '; Delete cancels' : ''} | ${rule.dataOwner} | ${rule.description} |`,
        ),
        '',
    ];
    return lines.join('\n');
}
