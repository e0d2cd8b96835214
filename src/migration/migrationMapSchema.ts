import { z } from 'zod';

/**
 * How a legacy value becomes a Dataverse value. `code` trims and upper-cases; `unitCode` also puts the building's
 * code in front of a unit number that lost it (`T1-1203` → `MARINA-T1-1203`); `email`, `phone` and `nationalId`
 * normalise for comparison and storage; `date` reads `dd/mm/yyyy` or ISO; `choice` maps a legacy label to an
 * option value; `reference` names a row of another table by its key (a look-up).
 */
export const transformSchema = z.enum([
    'text',
    'code',
    'unitCode',
    'email',
    'phone',
    'nationalId',
    'integer',
    'decimal',
    'money',
    'date',
    'choice',
    'reference',
]);
export type Transform = z.infer<typeof transformSchema>;

/**
 * When duplicate rows are merged into one (duplicate buyers), which value survives: the first non-empty one in
 * file order, the last non-empty one, or they must agree (a disagreement is a blocking finding).
 */
export const conflictRuleSchema = z.enum(['firstNonEmpty', 'lastNonEmpty', 'mustAgree']);
export type ConflictRule = z.infer<typeof conflictRuleSchema>;

export const fieldRuleSchema = z
    .strictObject({
        source: z.string().min(1),
        target: z.string().min(1),
        transform: transformSchema,
        required: z.boolean(),
        conflict: conflictRuleSchema.default('firstNonEmpty'),
        /** For `choice`: legacy label (case-insensitive) → option value. */
        choices: z.record(z.string(), z.number().int()).optional(),
        /** For `reference`: the id of the table the value names. */
        references: z.string().optional(),
        /** For `unitCode`: the source column holding the building code. */
        buildingFrom: z.string().optional(),
        /** false: read for matching (a legacy id other files use), not written to Dataverse. */
        load: z.boolean().default(true),
        /** A note for the business reviewer. */
        note: z.string().optional(),
    })
    .superRefine((f, ctx) => {
        if (f.transform === 'choice' && !f.choices) ctx.addIssue({ code: 'custom', message: 'choice needs choices' });
        if (f.transform === 'reference' && !f.references)
            ctx.addIssue({ code: 'custom', message: 'reference needs references (a table id)' });
        if (f.transform === 'unitCode' && !f.buildingFrom)
            ctx.addIssue({ code: 'custom', message: 'unitCode needs buildingFrom (the building code column)' });
    });
export type FieldRule = z.infer<typeof fieldRuleSchema>;

export const erpResourceSchema = z.enum(['customer', 'reservation', 'instalment', 'receipt', 'commission']);
export type ErpResource = z.infer<typeof erpResourceSchema>;

export const tableRuleSchema = z.strictObject({
    /** Singular id used in rule ids and references: `unit` → `ORPHAN_UNIT`. */
    id: z.string().regex(/^[a-z]+$/),
    file: z.string().regex(/^[\w.-]+\.csv$/),
    /** Dataverse table logical name. */
    target: z.string().min(1),
    /** The target column that is the table's alternate key (upsert address). */
    key: z.string().min(1),
    /** The ERP resource this table's rows post to, if any (docs/erp-contract.md). */
    erp: erpResourceSchema.optional(),
    /** The target column other files' references match (a legacy id); default: the key. */
    referencedBy: z.string().optional(),
    /** Rows sharing a normalised value in any of these target columns are one record (merged, not loaded twice). */
    duplicatesBy: z.array(z.string()).optional(),
    fields: z.array(fieldRuleSchema).min(1),
});
export type TableRule = z.infer<typeof tableRuleSchema>;

export const migrationMapSchema = z
    .strictObject({
        version: z.string().regex(/^\d+\.\d+\.\d+$/),
        /** Country code put in front of a national phone number (`050…` → `97150…`). */
        defaultCountryCode: z.string().regex(/^\d{1,3}$/),
        /** Clean dry runs of the same source needed before `--apply` (the seeds advise at least three). */
        minimumCleanDryRuns: z.number().int().min(1).default(3),
        /** Tables in load order: a table may reference only tables listed before it. */
        tables: z.array(tableRuleSchema).min(1),
    })
    .superRefine((map, ctx) => {
        const seen = new Set<string>();
        for (const [t, table] of map.tables.entries()) {
            if (seen.has(table.id))
                ctx.addIssue({ code: 'custom', path: ['tables', t, 'id'], message: 'duplicate id' });
            if (!table.fields.some((f) => f.target === table.key)) {
                ctx.addIssue({ code: 'custom', path: ['tables', t, 'key'], message: `no field targets ${table.key}` });
            }
            for (const [i, field] of table.fields.entries()) {
                if (field.references !== undefined && !seen.has(field.references)) {
                    ctx.addIssue({
                        code: 'custom',
                        path: ['tables', t, 'fields', i, 'references'],
                        message: `'${field.references}' must be a table listed before '${table.id}' (load order)`,
                    });
                }
            }
            seen.add(table.id);
        }
    });
export type MigrationMap = z.infer<typeof migrationMapSchema>;
