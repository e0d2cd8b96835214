import { createHash, randomUUID } from 'node:crypto';
import { formatDataverseDate } from '../../src/dataverse/dataverseDate';
import type { KeyValuePair, RemoteExecutionContextJson } from '../../src/dataverse/remoteExecutionContextSchema';
import { referenceTables, tableByName } from './sandboxSchema';

/**
 * Builds webhook bodies the way Dataverse writes them (RemoteExecutionContext, DataContractJsonSerializer JSON,
 * see /work/shared/dataverse-events.md section 1): keys in alphabetical order, collections as `{key, value}` arrays,
 * typed values with `__type`, an async PostOperation step (Mode 1, Stage 40) with its `AsynchronousStepPrimaryName` image.
 * Deterministic for given ids: environment ids are derived by hashing, randomness only fills a missing correlation/operation id.
 */
export type BuilderValue =
    | string
    | number
    | boolean
    | null
    | { money: number }
    | { option: number }
    | { options: number[] }
    | { ref: { logicalName: string; id: string; name?: string | null } }
    | { date: Date };

export interface RemoteExecutionContextInput {
    message: 'Create' | 'Update' | 'Delete';
    entity: string;
    id: string;
    /** Create: the new row's columns; Update: only the changed columns; Delete: ignored. */
    attributes: Record<string, BuilderValue>;
    preImage?: Record<string, BuilderValue>;
    postImage?: Record<string, BuilderValue>;
    correlationId?: string;
    operationId?: string;
    operationCreatedOn?: Date;
    rowVersion?: string;
    organizationName?: string;
    userId?: string;
    depth?: number;
}

export const preImageAlias = 'PreImage';
export const postImageAlias = 'PostImage';
export const defaultOrganizationName = 'unq4f1c0e2a9b7d4c3e8a6f5b2d1c0e9a87';
const contracts = 'http://schemas.microsoft.com/xrm/2011/Contracts';
const keyValuePairType = 'KeyValuePairOfstringstring:#System.Collections.Generic';
const removedWhenOversized = new Set(['ParentContext', 'InputParameters', 'PreEntityImages', 'PostEntityImages']);
const statusLabels: Record<number, string> = { 1: 'Active', 2: 'Inactive' };

type Pairs = Array<[string, BuilderValue]>;

export function buildRemoteExecutionContext(input: RemoteExecutionContextInput): RemoteExecutionContextJson {
    const id = input.id.toLowerCase();
    const org = input.organizationName ?? defaultOrganizationName;
    const userId = (input.userId ?? derivedGuid(`systemuser:${org}`)).toLowerCase();
    const createdOn = input.operationCreatedOn ?? new Date();
    const shared: Shared = {
        input,
        id,
        org,
        userId,
        createdOn,
        correlationId: (input.correlationId ?? randomUUID()).toLowerCase(),
        operationId: (input.operationId ?? randomUUID()).toLowerCase(),
    };
    const idColumn = `${input.entity}id`;
    const changed: Pairs = Object.entries(input.attributes);
    const system = systemColumns(input.message, idColumn, id, userId, createdOn);
    const targetPairs = [...changed, ...system.filter(([column]) => !(column in input.attributes))];
    const reference = wireReference(input.entity, id, null);
    const isDelete = input.message === 'Delete';
    const target = isDelete ? reference : wireEntity(input.entity, id, targetPairs, true, input.rowVersion ?? null);
    const parentTarget = isDelete ? reference : wireEntity(input.entity, id, [...changed, [idColumn, id]], true, null);

    const preImages = imagePairs(preImageAlias, input.entity, id, input.preImage);
    const postImages = imagePairs(postImageAlias, input.entity, id, input.postImage);
    (isDelete ? preImages : postImages).push({
        key: 'AsynchronousStepPrimaryName',
        value: primaryNameImage(input, id),
    });

    const parentInputs: KeyValuePair[] = [{ key: 'Target', value: parentTarget }];
    if (!isDelete) parentInputs.push({ key: 'SuppressDuplicateDetection', value: false });
    const changedEntityType = { __type: keyValuePairType, key: input.entity, value: input.message };
    const parentContext = contextJson(shared, {
        InputParameters: parentInputs,
        OutputParameters: [],
        ParentContext: null,
        PostEntityImages: [],
        PreEntityImages: [],
        SharedVariables: [{ key: 'ChangedEntityTypes', value: [changedEntityType] }],
        Stage: 30,
    });
    return contextJson(shared, {
        InputParameters: [{ key: 'Target', value: target }],
        OutputParameters: input.message === 'Create' ? [{ key: 'id', value: id }] : [],
        ParentContext: parentContext,
        PostEntityImages: postImages,
        PreEntityImages: preImages,
        SharedVariables: [],
        Stage: 40,
    });
}

interface Shared {
    input: RemoteExecutionContextInput;
    id: string;
    org: string;
    userId: string;
    createdOn: Date;
    correlationId: string;
    operationId: string;
}

type Varying = Pick<
    RemoteExecutionContextJson,
    | 'InputParameters'
    | 'OutputParameters'
    | 'ParentContext'
    | 'PostEntityImages'
    | 'PreEntityImages'
    | 'SharedVariables'
    | 'Stage'
>;

/** One context (the step's or its parent's), keys in the serializer's alphabetical order. */
function contextJson(shared: Shared, varying: Varying): RemoteExecutionContextJson {
    const { input, id, org, userId } = shared;
    const aadObjectId = derivedGuid(`aad:${userId}`);
    return {
        BusinessUnitId: derivedGuid(`businessunit:${org}`),
        CorrelationId: shared.correlationId,
        Depth: input.depth ?? 1,
        InitiatingUserAzureActiveDirectoryObjectId: aadObjectId,
        InitiatingUserId: userId,
        InputParameters: varying.InputParameters,
        IsExecutingOffline: false,
        IsInTransaction: false,
        IsOfflinePlayback: false,
        IsolationMode: 1,
        MessageName: input.message,
        Mode: 1,
        OperationCreatedOn: formatDataverseDate(shared.createdOn),
        OperationId: shared.operationId,
        OrganizationId: derivedGuid(`organization:${org}`),
        OrganizationName: org,
        OutputParameters: varying.OutputParameters,
        OwningExtension: {
            Id: derivedGuid(`step:${org}:${input.entity}:${input.message}`),
            KeyAttributes: [],
            LogicalName: 'sdkmessageprocessingstep',
            Name: null,
            RowVersion: null,
        },
        ParentContext: varying.ParentContext,
        PostEntityImages: varying.PostEntityImages,
        PreEntityImages: varying.PreEntityImages,
        PrimaryEntityId: id,
        PrimaryEntityName: input.entity,
        RequestId: null,
        SecondaryEntityName: 'none',
        SharedVariables: varying.SharedVariables,
        Stage: varying.Stage,
        UserAzureActiveDirectoryObjectId: aadObjectId,
        UserId: userId,
    };
}

/** The columns the platform adds to Target: the audit columns, and on Create owner and state too. */
function systemColumns(message: string, idColumn: string, id: string, userId: string, createdOn: Date): Pairs {
    const user: BuilderValue = { ref: { logicalName: 'systemuser', id: userId, name: null } };
    // Dataverse stores whole seconds; modifiedon is written just before the system job is created.
    const savedOn: BuilderValue = { date: new Date(Math.floor(createdOn.getTime() / 1000) * 1000) };
    const modified: Pairs = [
        ['modifiedon', savedOn],
        ['modifiedby', user],
    ];
    if (message !== 'Create') return [[idColumn, id], ...modified, ['modifiedonbehalfby', null]];
    return [
        [idColumn, id],
        ['createdon', savedOn],
        ['createdby', user],
        ...modified,
        ['createdonbehalfby', null],
        ['modifiedonbehalfby', null],
        ['ownerid', user],
        ['statecode', { option: 0 }],
        ['statuscode', { option: 1 }],
    ];
}

/** The headers Dataverse puts on the webhook POST (names lowercased, as Node delivers them). */
export function buildWebhookHeaders(
    ctx: Pick<RemoteExecutionContextJson, 'CorrelationId' | 'MessageName' | 'PrimaryEntityName'>,
    options: { organization: string; sizeExceeded?: boolean },
): Record<string, string> {
    const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-ms-correlation-request-id': derivedGuid(`request:${ctx.CorrelationId}`),
        'x-ms-dynamics-entity-name': ctx.PrimaryEntityName,
        'x-ms-dynamics-organization': options.organization,
        'x-ms-dynamics-request-name': ctx.MessageName,
    };
    if (options.sizeExceeded) headers['x-ms-dynamics-msg-size-exceeded'] = 'true';
    return headers;
}

/** What Dataverse sends when the payload exceeds 256 KB: the same context without these four keys. */
export function stripForSizeExceeded(ctx: RemoteExecutionContextJson): RemoteExecutionContextJson {
    const kept = Object.entries(ctx).filter(([key]) => !removedWhenOversized.has(key));
    return Object.fromEntries(kept) as RemoteExecutionContextJson;
}

/** One BuilderValue in the form the serializer writes it. */
export function toWireValue(value: BuilderValue): unknown {
    if (value === null || typeof value !== 'object') return value;
    if ('money' in value) return { __type: `Money:${contracts}`, Value: value.money };
    if ('option' in value) return optionSetValue(value.option);
    if ('options' in value) return value.options.map(optionSetValue);
    if ('date' in value) return formatDataverseDate(value.date);
    return wireReference(value.ref.logicalName, value.ref.id.toLowerCase(), value.ref.name ?? null);
}

function optionSetValue(option: number): unknown {
    return { __type: `OptionSetValue:${contracts}`, Value: option };
}

function wireReference(logicalName: string, id: string, name: string | null): unknown {
    return {
        __type: `EntityReference:${contracts}`,
        Id: id,
        KeyAttributes: [],
        LogicalName: logicalName,
        Name: name,
        RowVersion: null,
    };
}

/** Target entities carry `__type`; image entities do not. */
function wireEntity(entity: string, id: string, pairs: Pairs, typed: boolean, rowVersion: string | null): unknown {
    const body = {
        Attributes: pairs.map(([key, value]) => ({ key, value: toWireValue(value) })),
        EntityState: null,
        FormattedValues: formattedValues(entity, pairs),
        Id: id,
        KeyAttributes: [],
        LogicalName: entity,
        RelatedEntities: [],
        RowVersion: rowVersion,
    };
    return typed ? { __type: `Entity:${contracts}`, ...body } : body;
}

function imagePairs(
    alias: string,
    entity: string,
    id: string,
    image: Record<string, BuilderValue> | undefined,
): KeyValuePair[] {
    if (!image) return [];
    const pairs: Pairs = Object.entries(image);
    if (!(`${entity}id` in image)) pairs.push([`${entity}id`, id]);
    return [{ key: alias, value: wireEntity(entity, id, pairs, false, null) }];
}

/** The image every async step carries: the primary name column (when known) and the id. */
function primaryNameImage(input: RemoteExecutionContextInput, id: string): unknown {
    const nameColumn = tableByName(referenceTables, input.entity)?.primaryName;
    const known = { ...input.preImage, ...input.postImage, ...input.attributes };
    let name = nameColumn === undefined ? undefined : known[nameColumn];
    if (name === undefined && input.entity === 'contact' && typeof known.firstname === 'string') {
        name = [known.firstname, known.lastname].filter((part) => typeof part === 'string').join(' ');
    }
    const pairs: Pairs = typeof name === 'string' && nameColumn ? [[nameColumn, name]] : [];
    pairs.push([`${input.entity}id`, id]);
    return wireEntity(input.entity, id, pairs, false, null);
}

/** Display strings for choices and money, as the user's locale would show them (they are never read back). */
function formattedValues(entity: string, pairs: Pairs): KeyValuePair[] {
    const choices = tableByName(referenceTables, entity)?.choices ?? {};
    const label = (column: string, option: number): string =>
        choices[column]?.[option] ?? (column === 'statuscode' ? statusLabels[option] : undefined) ?? String(option);
    const formatted: KeyValuePair[] = [];
    for (const [key, value] of pairs) {
        if (value === null || typeof value !== 'object') continue;
        if ('money' in value) formatted.push({ key, value: `AED ${formatAmount(value.money)}` });
        if ('option' in value) formatted.push({ key, value: label(key, value.option) });
        if ('options' in value) formatted.push({ key, value: value.options.map((o) => label(key, o)).join('; ') });
    }
    return formatted;
}

function formatAmount(amount: number): string {
    return amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A stable GUID for an environment id (business unit, organization, step) so built payloads are reproducible. */
export function derivedGuid(seed: string): string {
    const hex = createHash('sha1').update(seed).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
