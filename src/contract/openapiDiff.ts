/**
 * Breaking-change diff of two dereferenced OpenAPI 3 documents, from the point of view of this integration as the
 * ERP's client: what we send must still be accepted (requests may not narrow) and what we read must still come
 * (responses may not lose or widen what we rely on). Run after every ERP upgrade (`npm run contract:diff`).
 */
export type Severity = 'breaking' | 'compatible';

export interface ContractChange {
    severity: Severity;
    /** Stable kind, e.g. `operation-removed`, `request-field-required`, `response-enum-widened`. */
    kind: string;
    /** Where: `PUT /erp/v1/customers/{customerRef} request body .email`. */
    at: string;
    detail: string;
}

type Schema = {
    type?: string | string[];
    properties?: Record<string, Schema>;
    required?: string[];
    items?: Schema;
    enum?: unknown[];
    allOf?: Schema[];
    oneOf?: Schema[];
    anyOf?: Schema[];
    nullable?: boolean;
    minLength?: number;
    maxLength?: number;
    minimum?: number;
    maximum?: number;
    pattern?: string;
    format?: string;
    additionalProperties?: boolean | Schema;
};

interface Parameter {
    name: string;
    in: string;
    required?: boolean;
    schema?: Schema;
}

interface Operation {
    parameters?: Parameter[];
    requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
    responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

export interface OpenApiDocument {
    paths?: Record<string, Record<string, unknown>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function diffOpenApi(base: OpenApiDocument, next: OpenApiDocument): ContractChange[] {
    const changes: ContractChange[] = [];
    const add = (severity: Severity, kind: string, at: string, detail: string) =>
        changes.push({ severity, kind, at, detail });

    for (const [path, baseItem] of Object.entries(base.paths ?? {})) {
        const nextItem = next.paths?.[path];
        for (const method of METHODS) {
            const baseOp = baseItem[method] as Operation | undefined;
            if (!baseOp) continue;
            const at = `${method.toUpperCase()} ${path}`;
            const nextOp = nextItem?.[method] as Operation | undefined;
            if (!nextOp) {
                add('breaking', nextItem ? 'operation-removed' : 'path-removed', at, 'no longer in the contract');
                continue;
            }
            diffParameters(at, baseOp, nextOp, baseItem, nextItem ?? {}, add);
            diffRequestBody(at, baseOp, nextOp, add);
            diffResponses(at, baseOp, nextOp, add);
        }
    }
    for (const [path, nextItem] of Object.entries(next.paths ?? {})) {
        for (const method of METHODS) {
            if (nextItem[method] && !base.paths?.[path]?.[method]) {
                add('compatible', 'operation-added', `${method.toUpperCase()} ${path}`, 'new in the contract');
            }
        }
    }
    return changes;
}

type Add = (severity: Severity, kind: string, at: string, detail: string) => void;

function parametersOf(op: Operation, item: Record<string, unknown>): Map<string, Parameter> {
    const all = [...((item.parameters as Parameter[] | undefined) ?? []), ...(op.parameters ?? [])];
    return new Map(all.map((p) => [`${p.in}:${p.name}`, p]));
}

function diffParameters(
    at: string,
    baseOp: Operation,
    nextOp: Operation,
    baseItem: Record<string, unknown>,
    nextItem: Record<string, unknown>,
    add: Add,
): void {
    const before = parametersOf(baseOp, baseItem);
    const after = parametersOf(nextOp, nextItem);
    for (const [key, p] of after) {
        const old = before.get(key);
        const where = `${at} ${p.in} parameter ${p.name}`;
        if (!old) {
            if (p.required) add('breaking', 'request-parameter-required', where, 'new required parameter');
            else add('compatible', 'request-parameter-added', where, 'new optional parameter');
        } else {
            if (p.required && !old.required) add('breaking', 'request-parameter-required', where, 'now required');
            diffSchema(where, old.schema, p.schema, 'request', add);
        }
    }
    for (const [key, p] of before) {
        if (!after.has(key)) {
            add('breaking', 'request-parameter-removed', `${at} ${p.in} parameter ${p.name}`, 'no longer accepted');
        }
    }
}

function jsonSchema(content: Record<string, { schema?: Schema }> | undefined): Schema | undefined {
    return content?.['application/json']?.schema ?? Object.values(content ?? {})[0]?.schema;
}

function diffRequestBody(at: string, baseOp: Operation, nextOp: Operation, add: Add): void {
    const where = `${at} request body`;
    if (!baseOp.requestBody) {
        if (nextOp.requestBody?.required) add('breaking', 'request-body-required', where, 'a body is now required');
        return;
    }
    if (!nextOp.requestBody) {
        add('breaking', 'request-body-removed', where, 'the operation no longer takes a body');
        return;
    }
    if (baseOp.requestBody.content?.['application/json'] && !nextOp.requestBody.content?.['application/json']) {
        add('breaking', 'request-media-type-removed', where, 'application/json no longer accepted');
    }
    diffSchema(where, jsonSchema(baseOp.requestBody.content), jsonSchema(nextOp.requestBody.content), 'request', add);
}

function diffResponses(at: string, baseOp: Operation, nextOp: Operation, add: Add): void {
    for (const [status, response] of Object.entries(baseOp.responses ?? {})) {
        const where = `${at} response ${status}`;
        const next = nextOp.responses?.[status];
        if (!next) {
            // A success we read is gone; a documented error we classify is gone (its rule would never match).
            add('breaking', 'response-removed', where, 'no longer documented');
            continue;
        }
        diffSchema(where, jsonSchema(response.content), jsonSchema(next.content), 'response', add);
    }
    for (const status of Object.keys(nextOp.responses ?? {})) {
        if (!baseOp.responses?.[status]) {
            // An unknown status is classified by the default rule, which may be wrong for it.
            const severity = /^[45]/.test(status) ? 'breaking' : 'compatible';
            add(severity, 'response-added', `${at} response ${status}`, 'new status code: check the failure rules');
        }
    }
}

/** allOf merged into one object schema, so a field moved into a shared part is not reported as removed. */
function flatten(s: Schema | undefined): Schema | undefined {
    if (!s?.allOf) return s;
    const merged: Schema = { ...s, properties: { ...(s.properties ?? {}) }, required: [...(s.required ?? [])] };
    delete merged.allOf;
    for (const part of s.allOf.map(flatten)) {
        if (!part) continue;
        Object.assign(merged.properties as object, part.properties ?? {});
        merged.required?.push(...(part.required ?? []));
        merged.type ??= part.type;
    }
    return merged;
}

function typesOf(s: Schema): string[] {
    const t = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
    return s.nullable ? [...t, 'null'] : t;
}

/**
 * One schema against its new version. `request`: we write it, so the new one may not refuse what the old accepted.
 * `response`: we read it, so the new one may not drop or widen what the old promised.
 */
function diffSchema(
    at: string,
    rawBefore: Schema | undefined,
    rawAfter: Schema | undefined,
    direction: 'request' | 'response',
    add: Add,
    seen = new Set<Schema>(),
): void {
    const before = flatten(rawBefore);
    const after = flatten(rawAfter);
    if (!before || !after) {
        if (before && !after) add('breaking', `${direction}-schema-removed`, at, 'no schema any more');
        return;
    }
    // Dereferenced documents can be cyclic.
    if (seen.has(before)) return;
    seen.add(before);

    const oldTypes = typesOf(before);
    const newTypes = typesOf(after);
    if (oldTypes.length && newTypes.length) {
        const lost = oldTypes.filter((t) => !newTypes.includes(t) && !(t === 'integer' && newTypes.includes('number')));
        const gained = newTypes.filter(
            (t) => !oldTypes.includes(t) && !(t === 'integer' && oldTypes.includes('number')),
        );
        if (direction === 'request' && lost.length) {
            add('breaking', 'request-type-changed', at, `${oldTypes.join('|')} → ${newTypes.join('|')}`);
        }
        if (direction === 'response' && gained.length) {
            add('breaking', 'response-type-changed', at, `${oldTypes.join('|')} → ${newTypes.join('|')}`);
        }
    }

    diffEnum(at, before, after, direction, add);
    if (direction === 'request') diffBounds(at, before, after, add);

    const oldProps = before.properties ?? {};
    const newProps = after.properties ?? {};
    const oldRequired = new Set(before.required ?? []);
    const newRequired = new Set(after.required ?? []);
    for (const [name, schema] of Object.entries(newProps)) {
        const where = `${at} .${name}`;
        const old = oldProps[name];
        if (!old) {
            if (direction === 'request' && newRequired.has(name)) {
                add('breaking', 'request-field-required', where, 'new required field');
            } else {
                add('compatible', `${direction}-field-added`, where, newRequired.has(name) ? 'new, required' : 'new');
            }
            continue;
        }
        if (direction === 'request' && newRequired.has(name) && !oldRequired.has(name)) {
            add('breaking', 'request-field-required', where, 'now required');
        }
        if (direction === 'response' && oldRequired.has(name) && !newRequired.has(name)) {
            add('breaking', 'response-field-optional', where, 'no longer always present');
        }
        diffSchema(where, old, schema, direction, add, seen);
    }
    for (const name of Object.keys(oldProps)) {
        if (newProps[name]) continue;
        const where = `${at} .${name}`;
        if (direction === 'response') add('breaking', 'response-field-removed', where, 'no longer returned');
        else if (after.additionalProperties === false) {
            add('breaking', 'request-field-removed', where, 'no longer accepted (additionalProperties: false)');
        } else {
            add('compatible', 'request-field-removed', where, 'no longer read by the ERP (still sent)');
        }
    }
    if (before.items || after.items) diffSchema(`${at}[]`, before.items, after.items, direction, add, seen);
}

function diffEnum(at: string, before: Schema, after: Schema, direction: 'request' | 'response', add: Add): void {
    const fmt = (v: unknown) => JSON.stringify(v);
    if (direction === 'request') {
        if (!after.enum) return;
        if (!before.enum) {
            add('breaking', 'request-enum-narrowed', at, `now restricted to ${after.enum.map(fmt).join(', ')}`);
            return;
        }
        const removed = before.enum.filter((v) => !after.enum?.some((w) => fmt(w) === fmt(v)));
        if (removed.length)
            add('breaking', 'request-enum-narrowed', at, `no longer accepts ${removed.map(fmt).join(', ')}`);
    } else {
        if (!before.enum) return;
        if (!after.enum) {
            add('breaking', 'response-enum-widened', at, 'no longer restricted to known values');
            return;
        }
        const added = after.enum.filter((v) => !before.enum?.some((w) => fmt(w) === fmt(v)));
        if (added.length) add('breaking', 'response-enum-widened', at, `may now return ${added.map(fmt).join(', ')}`);
    }
}

/** A request value valid before must stay valid: no shorter maximum, longer minimum, or new pattern/format. */
function diffBounds(at: string, before: Schema, after: Schema, add: Add): void {
    const narrowed: string[] = [];
    if (after.maxLength !== undefined && (before.maxLength === undefined || after.maxLength < before.maxLength)) {
        narrowed.push(`maxLength ${before.maxLength ?? '∞'} → ${after.maxLength}`);
    }
    if (after.minLength !== undefined && after.minLength > (before.minLength ?? 0)) {
        narrowed.push(`minLength ${before.minLength ?? 0} → ${after.minLength}`);
    }
    if (after.maximum !== undefined && (before.maximum === undefined || after.maximum < before.maximum)) {
        narrowed.push(`maximum ${before.maximum ?? '∞'} → ${after.maximum}`);
    }
    if (after.minimum !== undefined && (before.minimum === undefined || after.minimum > before.minimum)) {
        narrowed.push(`minimum ${before.minimum ?? '-∞'} → ${after.minimum}`);
    }
    if (after.pattern !== undefined && after.pattern !== before.pattern) narrowed.push(`pattern ${after.pattern}`);
    if (after.format !== undefined && after.format !== before.format) narrowed.push(`format ${after.format}`);
    if (narrowed.length) add('breaking', 'request-constraint-narrowed', at, narrowed.join('; '));
}
