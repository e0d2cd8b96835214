import { z } from 'zod';

/** A JSON Schema / Swagger 2.0 Schema Object, as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

export class SwaggerSchemaError extends Error {
    readonly code = 'SWAGGER_SCHEMA_UNSUPPORTED';
    constructor(
        readonly where: string,
        reason: string,
    ) {
        super(`${where}: ${reason}`);
        this.name = 'SwaggerSchemaError';
    }
}

export interface ConvertedSchema {
    schema: JsonSchema;
    /** Named schemas (zod `.meta({ id })`) referenced as `#/definitions/<id>`. */
    definitions: Record<string, JsonSchema>;
}

const maxSafe = Number.MAX_SAFE_INTEGER;

/**
 * zod → Swagger 2.0 Schema Object. zod 4 writes OpenAPI 3.0 schemas, which are Swagger 2.0's plus `nullable` and the
 * composition keywords; `nullable` becomes AutoRest's `x-nullable` (Power Automate honours it), and a union or other
 * construct Swagger 2.0 cannot say fails the generation naming where, so the connector never shows a lie.
 * `io: 'input'` for what callers send (unknown keys refused where the schema is strict), `output` for what we answer
 * (open: a field added later must not break a flow that validated the old shape).
 */
export function toSwaggerSchema(schema: z.ZodType, io: 'input' | 'output', where: string): ConvertedSchema {
    // Named schemas (`.meta({ id })`) land in `definitions` and are referenced as `#/definitions/<id>`.
    const json = z.toJSONSchema(schema, {
        target: 'openapi-3.0',
        io,
        unrepresentable: 'throw',
    }) as JsonSchema;
    const { definitions = {}, ...root } = json as { definitions?: Record<string, JsonSchema> };
    const converted: Record<string, JsonSchema> = {};
    for (const [name, definition] of Object.entries(definitions)) {
        converted[name] = clean(definition, io, `${where} #/definitions/${name}`);
    }
    return { schema: clean(root, io, where), definitions: converted };
}

function clean(node: JsonSchema, io: 'input' | 'output', where: string): JsonSchema {
    for (const keyword of ['anyOf', 'oneOf', 'not', 'const', 'prefixItems', 'patternProperties']) {
        if (keyword in node) throw new SwaggerSchemaError(where, `${keyword} has no Swagger 2.0 equivalent`);
    }
    if (Array.isArray(node.type)) throw new SwaggerSchemaError(where, 'a type array has no Swagger 2.0 equivalent');
    if (Array.isArray(node.allOf) && node.allOf.length !== 1)
        throw new SwaggerSchemaError(where, 'allOf of several schemas is not used in the connector');
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
        if (key === '$schema' || key === '$id' || key === 'id') continue;
        if (key === 'nullable') {
            if (value === true) out['x-nullable'] = true;
            continue;
        }
        // zod bounds every int to the safe range; that is noise in a connector.
        if ((key === 'minimum' && value === -maxSafe) || (key === 'maximum' && value === maxSafe)) continue;
        if (key === 'additionalProperties' && value === false && io === 'output') continue;
        if (key === 'properties' && isObject(value)) {
            out.properties = Object.fromEntries(
                Object.entries(value).map(([name, child]) => [
                    name,
                    clean(child as JsonSchema, io, `${where}.${name}`),
                ]),
            );
            continue;
        }
        if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
            out[key] = clean(value, io, `${where}[]`);
            continue;
        }
        if (key === 'allOf' && Array.isArray(value)) {
            out.allOf = value.map((v) => clean(v as JsonSchema, io, where));
            continue;
        }
        out[key] = value;
    }
    // A date-time format says it all; zod's pattern for it would only clutter the connector.
    if (out.format === 'date-time') delete out.pattern;
    return out;
}

function isObject(value: unknown): value is JsonSchema {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
