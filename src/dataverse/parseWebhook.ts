import type { z } from 'zod';
import type { Result } from '../domain/result';
import { err, ok } from '../domain/result';
import { parseDataverseDate } from './dataverseDate';
import type { NormalizedAttributes, NormalizedEvent } from './normalizedEvent';
import {
    dataverseTypeName,
    entityReferenceSchema,
    entitySchema,
    type KeyValuePair,
    type RemoteExecutionContextJson,
    remoteExecutionContextSchema,
} from './remoteExecutionContextSchema';
import { normalizeColumns, setOwn } from './typedValue';

/** Why a webhook body is not an event we can read; `path` is the JSON path a CRM administrator can look up. */
export interface WebhookParseError {
    code: 'INVALID_JSON' | 'INVALID_CONTEXT' | 'UNSUPPORTED_VALUE';
    message: string;
    path: string;
}

type Parsed<T> = Result<T, WebhookParseError>;

const zeroGuid = '00000000-0000-0000-0000-000000000000';

/**
 * Reads a Dataverse webhook request (RemoteExecutionContext JSON plus the `x-ms-dynamics-*` headers) into a
 * NormalizedEvent. Nothing is thrown: every problem is an error naming the field and the reason.
 */
export function parseDataverseWebhook(
    body: unknown,
    headers: Record<string, string | undefined>,
): Result<NormalizedEvent, WebhookParseError> {
    const json = decodeBody(body);
    if (!json.ok) return json;
    if (typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) {
        const got = json.value === null ? 'null' : Array.isArray(json.value) ? 'an array' : typeof json.value;
        return invalid('', `body is not a JSON object (got ${got})`);
    }
    const parsed = remoteExecutionContextSchema.safeParse(json.value);
    if (!parsed.success) return err(describeIssue(json.value, parsed.error.issues));
    const ctx = parsed.data;

    const header = lowercaseKeys(headers);
    const headerEntity = header['x-ms-dynamics-entity-name'];
    if (headerEntity !== undefined && headerEntity.toLowerCase() !== ctx.PrimaryEntityName.toLowerCase()) {
        return invalid(
            'PrimaryEntityName',
            `x-ms-dynamics-entity-name header "${headerEntity}" disagrees with PrimaryEntityName "${ctx.PrimaryEntityName}"`,
        );
    }

    const target = readTarget(ctx);
    if (!target.ok) return target;
    const preImages = readImages(ctx.PreEntityImages ?? [], 'PreEntityImages');
    if (!preImages.ok) return preImages;
    const postImages = readImages(ctx.PostEntityImages ?? [], 'PostEntityImages');
    if (!postImages.ok) return postImages;
    const unreadable = unreadableColumns([
        ...preImages.value.layers,
        ...postImages.value.layers,
        { attributes: target.value.attributes ?? {}, unreadable: target.value.unreadable },
    ]);

    const event: NormalizedEvent = {
        messageName: ctx.MessageName,
        entity: ctx.PrimaryEntityName,
        recordId: (target.value.referenceId ?? ctx.PrimaryEntityId).toLowerCase(),
        correlationId: ctx.CorrelationId,
        mode: ctx.Mode,
        stage: ctx.Stage,
        depth: ctx.Depth,
        target: target.value.attributes,
        preImages: preImages.value.images,
        postImages: postImages.value.images,
        sizeExceeded: header['x-ms-dynamics-msg-size-exceeded'] !== undefined,
    };
    if (Object.keys(unreadable).length > 0) event.unreadable = unreadable;
    if (ctx.OperationId && ctx.OperationId !== zeroGuid) event.operationId = ctx.OperationId.toLowerCase();
    if (ctx.OperationCreatedOn) {
        const createdOn = parseDataverseDate(ctx.OperationCreatedOn);
        if (!createdOn) return invalid('OperationCreatedOn', 'OperationCreatedOn is not a /Date(ms)/ value');
        event.operationCreatedOn = createdOn.toISOString();
    }
    if (ctx.RequestId) event.requestId = ctx.RequestId.toLowerCase();
    const organization = ctx.OrganizationName || header['x-ms-dynamics-organization'];
    if (organization) event.organizationName = organization;
    if (target.value.rowVersion) event.rowVersion = target.value.rowVersion;
    return ok(event);
}

function decodeBody(body: unknown): Parsed<unknown> {
    const text = body instanceof Uint8Array ? new TextDecoder().decode(body) : body;
    if (typeof text !== 'string') return ok(text);
    try {
        // A UTF-8 BOM is legal on the wire but not in JSON.parse.
        return ok(JSON.parse(text.replace(/^\uFEFF/, '')));
    } catch {
        // JSON.parse's message quotes the body, which may hold personal data.
        return err({ code: 'INVALID_JSON', message: 'body is not valid JSON', path: '' });
    }
}

/** A Target's or image's columns: those read, and those that could not be (column → why). */
interface Layer {
    attributes: NormalizedAttributes;
    unreadable: Record<string, string>;
}

interface TargetParts {
    attributes: NormalizedAttributes | null;
    unreadable: Record<string, string>;
    rowVersion?: string;
    /** Delete's Target is an EntityReference: the record id comes from it. */
    referenceId?: string;
}

function readTarget(ctx: RemoteExecutionContextJson): Parsed<TargetParts> {
    const raw = ctx.InputParameters?.find((p) => p.key === 'Target')?.value;
    const path = 'InputParameters[Target]';
    if (raw === undefined || raw === null) return ok({ attributes: null, unreadable: {} });
    if (typeof raw !== 'object' || Array.isArray(raw)) return invalid(path, `${path} is not an Entity`);
    const annotation = (raw as { __type?: unknown }).__type;
    const typeName = typeof annotation === 'string' ? dataverseTypeName(annotation) : undefined;

    if (typeName === 'EntityReference' || (typeName === undefined && !('Attributes' in raw))) {
        const reference = entityReferenceSchema.safeParse(raw);
        if (!reference.success) return err(describeIssue(raw, reference.error.issues, path));
        return ok({ attributes: null, unreadable: {}, referenceId: reference.data.Id });
    }
    if (typeName !== undefined && typeName !== 'Entity') {
        return invalid(path, `${path} is a ${typeName}, expected an Entity or EntityReference`);
    }
    const entity = entitySchema.safeParse(raw);
    if (!entity.success) return err(describeIssue(raw, entity.error.issues, path));
    const columns = normalizeColumns(entity.data.Attributes, `${path}.Attributes`);
    const parts: TargetParts = { attributes: columns.attributes, unreadable: columns.unreadable };
    if (entity.data.RowVersion) parts.rowVersion = entity.data.RowVersion;
    return ok(parts);
}

function readImages(
    pairs: KeyValuePair[],
    collection: string,
): Parsed<{ images: Record<string, NormalizedAttributes>; layers: Layer[] }> {
    const images: Record<string, NormalizedAttributes> = {};
    const layers: Layer[] = [];
    for (const { key, value } of pairs) {
        const path = `${collection}[${key}]`;
        const entity = entitySchema.safeParse(value);
        if (!entity.success) return err(describeIssue(value, entity.error.issues, path));
        const columns = normalizeColumns(entity.data.Attributes, `${path}.Attributes`);
        setOwn(images, key, columns.attributes);
        layers.push(columns);
    }
    return ok({ images, layers });
}

/**
 * The columns left unreadable once the layers are merged the way the row is (pre-images, post-images, then the
 * Target): a column a later layer reads is readable, one a later layer cannot read is not.
 */
function unreadableColumns(layers: Layer[]): Record<string, string> {
    const unreadable: Record<string, string> = {};
    for (const layer of layers) {
        for (const column of Object.keys(layer.attributes)) delete unreadable[column];
        for (const [column, why] of Object.entries(layer.unreadable)) setOwn(unreadable, column, why);
    }
    return unreadable;
}

/** The first zod issue as an error: path written with kv keys (`InputParameters[Target]`), missing told apart from wrong. */
function describeIssue(root: unknown, issues: z.core.$ZodIssue[], prefix = ''): WebhookParseError {
    const issue = issues[0];
    if (!issue) return { code: 'INVALID_CONTEXT', message: `${prefix || 'body'} is invalid`, path: prefix };
    let node: unknown = root;
    let path = prefix;
    for (const segment of issue.path) {
        const next: unknown = (node as Record<PropertyKey, unknown> | undefined)?.[segment as PropertyKey];
        const key = (next as { key?: unknown } | undefined)?.key;
        if (typeof segment === 'number') path += `[${typeof key === 'string' ? key : segment}]`;
        else path += path === '' ? String(segment) : `.${String(segment)}`;
        node = next;
    }
    const where = path || 'body';
    const message = node === undefined ? `${where} is missing` : `${where}: ${issue.message}`;
    return { code: 'INVALID_CONTEXT', message, path };
}

function lowercaseKeys(headers: Record<string, string | undefined>): Record<string, string | undefined> {
    const lower: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) setOwn(lower, name.toLowerCase(), value);
    }
    return lower;
}

function invalid(path: string, message: string): Parsed<never> {
    return err({ code: 'INVALID_CONTEXT', message, path });
}
