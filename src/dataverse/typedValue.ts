import type { Result } from '../domain/result';
import { err, ok } from '../domain/result';
import { looksLikeDataverseDate, parseDataverseDate } from './dataverseDate';
import type { EntityRefValue, NormalizedAttributes, NormalizedValue } from './normalizedEvent';
import {
    dataverseTypeName,
    entityCollectionSchema,
    entityReferenceSchema,
    entitySchema,
    type KeyValuePair,
    numericValueSchema,
} from './remoteExecutionContextSchema';

/** A value we cannot turn into plain data; `path` is where it sits, e.g. `InputParameters[Target].Attributes[re_value]`. */
export interface TypedValueError {
    code: 'UNSUPPORTED_VALUE';
    message: string;
    path: string;
}

type Converted<T> = Result<T, TypedValueError>;

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Converts one raw Dataverse value (after JSON.parse) to plain data: Money and OptionSetValue → number,
 * OptionSetValueCollection (a bare array of OptionSetValue) → number[], EntityReference → {logicalName, id, name},
 * EntityCollection → attribute maps, Entity → its attribute map, `/Date(ms)/` → ISO 8601 UTC, GUIDs → lowercase.
 */
export function toNormalizedValue(raw: unknown, path: string): Converted<NormalizedValue> {
    if (raw === null || typeof raw === 'boolean') return ok(raw);
    if (typeof raw === 'number') return Number.isFinite(raw) ? ok(raw) : unsupported(path, 'a non-finite number');
    if (typeof raw === 'string') return normalizeString(raw, path);
    if (Array.isArray(raw)) return normalizeOptionSetCollection(raw, path);
    if (typeof raw !== 'object') return unsupported(path, `a ${typeof raw}`);

    const annotation = (raw as { __type?: unknown }).__type;
    if (annotation === undefined) return normalizeUntyped(raw, path);
    if (typeof annotation !== 'string') return unsupported(path, 'a __type that is not a string');
    const typeName = dataverseTypeName(annotation);
    switch (typeName) {
        case 'Money':
        case 'OptionSetValue': {
            const parsed = numericValueSchema.safeParse(raw);
            const what = typeName === 'Money' ? 'a Money' : 'an OptionSetValue';
            return parsed.success ? ok(parsed.data.Value) : unsupported(path, `${what} without a numeric Value`);
        }
        case 'EntityReference':
            return normalizeReference(raw, path);
        case 'Entity':
            return normalizeEntity(raw, path);
        case 'EntityCollection': {
            const parsed = entityCollectionSchema.safeParse(raw);
            if (!parsed.success) return unsupported(path, 'an EntityCollection without an Entities array');
            const members: NormalizedAttributes[] = [];
            for (const [i, entity] of parsed.data.Entities.entries()) {
                const attributes = normalizeAttributes(entity.Attributes, `${path}.Entities[${i}].Attributes`);
                if (!attributes.ok) return attributes;
                members.push(attributes.value);
            }
            return ok(members);
        }
        default:
            return err({
                code: 'UNSUPPORTED_VALUE',
                message: `${path}: unsupported Dataverse type "${typeName}"`,
                path,
            });
    }
}

/** A key/value `Attributes` array → a map of normalised values; each value's path is `<path>[<column>]`. */
export function normalizeAttributes(pairs: KeyValuePair[], path: string): Converted<NormalizedAttributes> {
    const attributes: NormalizedAttributes = {};
    for (const pair of pairs) {
        const value = toNormalizedValue(pair.value, `${path}[${pair.key}]`);
        if (!value.ok) return value;
        setOwn(attributes, pair.key, value.value);
    }
    return ok(attributes);
}

/**
 * A row's columns as an event carries them, column by column: a value that cannot be read leaves that column out and
 * is named in `unreadable` (column → why, with its path), so one odd column neither hides the rest of the row nor
 * makes the event unreadable. Whether the column matters is the map's business.
 */
export function normalizeColumns(
    pairs: KeyValuePair[],
    path: string,
): { attributes: NormalizedAttributes; unreadable: Record<string, string> } {
    const attributes: NormalizedAttributes = {};
    const unreadable: Record<string, string> = {};
    for (const pair of pairs) {
        const value = toNormalizedValue(pair.value, `${path}[${pair.key}]`);
        if (value.ok) setOwn(attributes, pair.key, value.value);
        else setOwn(unreadable, pair.key, value.error.message);
    }
    return { attributes, unreadable };
}

/** Assigns without ever touching the prototype, whatever the column is called (`__proto__` included). */
export function setOwn<V>(target: Record<string, V>, key: string, value: V): void {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function normalizeString(raw: string, path: string): Converted<NormalizedValue> {
    if (guidPattern.test(raw)) return ok(raw.toLowerCase());
    if (!looksLikeDataverseDate(raw)) return ok(raw);
    const date = parseDataverseDate(raw);
    return date ? ok(date.toISOString()) : unsupported(path, `a DateTime out of range (${raw})`);
}

/** Multi-select choices arrive as a bare array of OptionSetValue objects, with no collection `__type`. */
function normalizeOptionSetCollection(raw: unknown[], path: string): Converted<NormalizedValue> {
    const values: number[] = [];
    for (const [i, item] of raw.entries()) {
        const parsed = numericValueSchema.safeParse(item);
        if (!parsed.success || dataverseTypeName(parsed.data.__type) !== 'OptionSetValue') {
            return unsupported(`${path}[${i}]`, 'an array member that is not an OptionSetValue');
        }
        values.push(parsed.data.Value);
    }
    return ok(values);
}

/** Image entities and OwningExtension-style references are written without `__type`. */
function normalizeUntyped(raw: object, path: string): Converted<NormalizedValue> {
    if ('Attributes' in raw) return normalizeEntity(raw, path);
    if ('LogicalName' in raw && 'Id' in raw) return normalizeReference(raw, path);
    return unsupported(path, 'an object without __type that is neither an Entity nor an EntityReference');
}

function normalizeEntity(raw: object, path: string): Converted<NormalizedValue> {
    const parsed = entitySchema.safeParse(raw);
    if (!parsed.success) return unsupported(path, 'an Entity without an Attributes array');
    return normalizeAttributes(parsed.data.Attributes, `${path}.Attributes`);
}

function normalizeReference(raw: object, path: string): Converted<EntityRefValue> {
    const parsed = entityReferenceSchema.safeParse(raw);
    if (!parsed.success) return unsupported(path, 'an EntityReference without Id and LogicalName');
    const { Id, LogicalName, Name } = parsed.data;
    return ok({ logicalName: LogicalName, id: Id.toLowerCase(), name: Name ?? null });
}

function unsupported(path: string, what: string): Converted<never> {
    return err({ code: 'UNSUPPORTED_VALUE', message: `${path}: cannot read ${what}`, path });
}
