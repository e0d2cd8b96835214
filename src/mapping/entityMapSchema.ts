import { z } from 'zod';
import { owners } from '../domain/failure';
import { transactionTypes } from '../domain/transaction';

/**
 * The entity map: which Dataverse table becomes which domain transaction, field by field.
 * It is configuration a business reviewer signs off (`npm run map:doc` renders it), validated once at start-up.
 */
export const fieldTransforms = ['text', 'number', 'money', 'date', 'choice', 'lookupId', 'boolean'] as const;

const fieldRuleSchema = z
    .object({
        source: z.string().min(1).describe('Dataverse column logical name'),
        target: z.string().min(1).describe('Domain field name'),
        transform: z.enum(fieldTransforms),
        /** For `choice`: Dataverse option value → domain value. */
        choices: z.record(z.string(), z.string()).optional(),
        required: z.boolean(),
        conflict: z.enum(['crmWins', 'erpWins']),
        direction: z.enum(['crmToErp', 'erpToCrm']),
        /**
         * Personal data (a buyer's name, e-mail, phone, national id): it goes to the ERP and nowhere else. It is left
         * out of the queue message and Table Storage and read from the CRM row right before the ERP call.
         */
        personal: z.boolean().default(false),
        note: z.string().optional(),
    })
    .strict()
    .refine((f) => f.transform !== 'choice' || (f.choices !== undefined && Object.keys(f.choices).length > 0), {
        message: 'a choice field needs a non-empty `choices` table',
        path: ['choices'],
    });

/** Columns read from a related row (by a GUID already mapped into `via`), e.g. the unit's code from a reservation. */
const relatedRuleSchema = z
    .object({
        via: z.string().min(1).describe('Domain field holding the related record id'),
        entity: z.string().min(1),
        columns: z.record(z.string(), z.string()).describe('related column → domain field'),
    })
    .strict();

const sessionRuleSchema = z
    .object({
        /** Domain field whose GUID names the session (the unit, or the building for construction progress). */
        field: z.string().min(1),
        prefix: z.string().min(1),
    })
    .strict();

const entityRuleSchema = z
    .object({
        transactionType: z.enum(transactionTypes),
        description: z.string().min(1),
        messages: z.array(z.enum(['Create', 'Update', 'Delete'])).min(1),
        /** Domain field that receives the record's own id. */
        recordIdTarget: z.string().min(1),
        session: sessionRuleSchema,
        fields: z.array(fieldRuleSchema).min(1),
        related: z.array(relatedRuleSchema).default([]),
        /** An Update matters only when it changes one of these columns (default: any mapped column). */
        triggerColumns: z.array(z.string()).optional(),
        /** The transaction is a cancellation when this domain field has this value. */
        cancelWhen: z.object({ field: z.string(), equals: z.string() }).strict().optional(),
        /** What a Delete means: propagate as a cancellation (needs a pre-image) or ignore. */
        onDelete: z.enum(['cancel', 'ignore']).default('ignore'),
        /**
         * The team that keeps this table's rows right in the CRM: a row the map cannot read (a required column empty,
         * a value of the wrong kind) is theirs to fix. Unset, the integration team hears of it and passes it on.
         */
        dataOwner: z.enum(owners).default('integration'),
    })
    .strict();

export const entityMapSchema = z
    .object({
        version: z.string().min(1),
        description: z.string().optional(),
        /** Columns the integration owns on every CRM row; an Update touching only these (and system columns) is not an event. */
        integrationOwnedColumns: z.array(z.string()).min(1),
        /** Columns Dataverse sets on every change; they never make an Update meaningful on their own. */
        systemColumns: z.array(z.string()),
        entities: z.record(z.string(), entityRuleSchema),
    })
    .strict()
    .superRefine((map, ctx) => {
        for (const [entity, rule] of Object.entries(map.entities)) {
            const targets = new Set(rule.fields.map((f) => f.target));
            targets.add(rule.recordIdTarget);
            for (const r of rule.related) {
                if (!targets.has(r.via)) {
                    ctx.addIssue({
                        code: 'custom',
                        path: ['entities', entity, 'related'],
                        message: `related look-up via "${r.via}" needs that field mapped earlier`,
                    });
                }
                for (const t of Object.values(r.columns)) targets.add(t);
            }
            if (!targets.has(rule.session.field)) {
                ctx.addIssue({
                    code: 'custom',
                    path: ['entities', entity, 'session', 'field'],
                    message: `session field "${rule.session.field}" is not produced by the map`,
                });
            }
            if (rule.cancelWhen && !targets.has(rule.cancelWhen.field)) {
                ctx.addIssue({
                    code: 'custom',
                    path: ['entities', entity, 'cancelWhen', 'field'],
                    message: `cancelWhen field "${rule.cancelWhen.field}" is not produced by the map`,
                });
            }
        }
    });

export type EntityMap = z.infer<typeof entityMapSchema>;
export type EntityRule = EntityMap['entities'][string];
export type FieldRule = EntityRule['fields'][number];
