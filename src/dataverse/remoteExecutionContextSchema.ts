import { z } from 'zod';

/**
 * The JSON body Dataverse sends to a webhook: `Microsoft.Xrm.Sdk.RemoteExecutionContext` as written by
 * DataContractJsonSerializer (see ../shared/dataverse-events.md, section 1).
 *
 * Every object is loose: captures from different years carry different keys (`InitiatingUserAgent` is newer,
 * one real capture has `"Unknown":null`), and a key we do not read must never make an event unreadable.
 * Only what the integration relies on is required.
 */

/** Collections are arrays of `{key, value}` pairs, never JSON objects. */
export const keyValuePairSchema = z.looseObject({ key: z.string(), value: z.unknown() });
export const keyValueArraySchema = z.array(keyValuePairSchema);
export type KeyValuePair = z.infer<typeof keyValuePairSchema>;

/** `Money:http://schemas.microsoft.com/xrm/2011/Contracts` → `Money`; `KeyValuePairOfstringstring:#System…` → its name. */
export function dataverseTypeName(annotation: string): string {
    const colon = annotation.indexOf(':');
    return colon === -1 ? annotation : annotation.slice(0, colon);
}

/** An Entity: Target carries `__type`, image entities and EntityCollection members do not. */
export const entitySchema = z.looseObject({
    __type: z.string().optional(),
    Attributes: keyValueArraySchema,
    EntityState: z.unknown().optional(),
    FormattedValues: keyValueArraySchema.nullable().optional(),
    Id: z.string().nullable().optional(),
    KeyAttributes: keyValueArraySchema.nullable().optional(),
    LogicalName: z.string().nullable().optional(),
    RelatedEntities: z.array(z.unknown()).nullable().optional(),
    RowVersion: z.string().nullable().optional(),
});
export type EntityJson = z.infer<typeof entitySchema>;

/** An EntityReference: lookups, Delete's Target, OwningExtension (the latter without `__type`). */
export const entityReferenceSchema = z.looseObject({
    __type: z.string().optional(),
    Id: z.string(),
    KeyAttributes: keyValueArraySchema.nullable().optional(),
    LogicalName: z.string(),
    Name: z.string().nullable().optional(),
    RowVersion: z.string().nullable().optional(),
});
export type EntityReferenceJson = z.infer<typeof entityReferenceSchema>;

/** Money and OptionSetValue share the shape `{__type, Value}`. */
export const numericValueSchema = z.looseObject({ __type: z.string(), Value: z.number() });

/** An EntityCollection (e.g. activity parties): members are entities without `__type`. */
export const entityCollectionSchema = z.looseObject({
    __type: z.string(),
    Entities: z.array(entitySchema),
    EntityName: z.string().nullable().optional(),
    MoreRecords: z.boolean().optional(),
});

const guidText = z.string();

export interface RemoteExecutionContextJson {
    [key: string]: unknown;
    BusinessUnitId?: string | null | undefined;
    CorrelationId: string;
    Depth: number;
    InitiatingUserId?: string | null | undefined;
    InputParameters?: KeyValuePair[] | undefined;
    MessageName: string;
    Mode: number;
    OperationCreatedOn?: string | null | undefined;
    OperationId?: string | null | undefined;
    OrganizationId?: string | null | undefined;
    OrganizationName?: string | null | undefined;
    OutputParameters?: KeyValuePair[] | null | undefined;
    OwningExtension?: EntityReferenceJson | null | undefined;
    ParentContext?: RemoteExecutionContextJson | null | undefined;
    PostEntityImages?: KeyValuePair[] | undefined;
    PreEntityImages?: KeyValuePair[] | undefined;
    PrimaryEntityId: string;
    PrimaryEntityName: string;
    RequestId?: string | null | undefined;
    SecondaryEntityName?: string | null | undefined;
    SharedVariables?: KeyValuePair[] | null | undefined;
    Stage: number;
    UserId?: string | null | undefined;
}

/**
 * Keys are listed in the serializer's alphabetical order, so the first issue zod reports is the first
 * problem a reader of the raw JSON would meet. InputParameters and images are optional: Dataverse removes
 * them (and ParentContext) when the payload exceeds 256 KB.
 */
export const remoteExecutionContextSchema: z.ZodType<RemoteExecutionContextJson> = z.looseObject({
    BusinessUnitId: guidText.nullable().optional(),
    CorrelationId: z.string().min(1, 'must not be empty'),
    Depth: z.number().int(),
    InitiatingUserId: guidText.nullable().optional(),
    InputParameters: keyValueArraySchema.optional(),
    MessageName: z.string().min(1, 'must not be empty'),
    Mode: z.number().int(),
    OperationCreatedOn: z.string().nullable().optional(),
    OperationId: guidText.nullable().optional(),
    OrganizationId: guidText.nullable().optional(),
    OrganizationName: z.string().nullable().optional(),
    OutputParameters: keyValueArraySchema.nullable().optional(),
    OwningExtension: entityReferenceSchema.nullable().optional(),
    get ParentContext() {
        return remoteExecutionContextSchema.nullable().optional();
    },
    PostEntityImages: keyValueArraySchema.optional(),
    PreEntityImages: keyValueArraySchema.optional(),
    PrimaryEntityId: z.string().min(1, 'must not be empty'),
    PrimaryEntityName: z.string().min(1, 'must not be empty'),
    RequestId: guidText.nullable().optional(),
    SecondaryEntityName: z.string().nullable().optional(),
    SharedVariables: keyValueArraySchema.nullable().optional(),
    Stage: z.number().int(),
    UserId: guidText.nullable().optional(),
});
