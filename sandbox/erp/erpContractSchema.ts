import contract from '../../docs/erp-contract.openapi.json';

/** The subset of JSON Schema the contract's request bodies use. */
export interface BodySchema {
    type?: 'object' | 'string' | 'number' | 'integer' | 'boolean';
    required?: string[];
    properties?: Record<string, BodySchema>;
    enum?: Array<string | number>;
    format?: string;
    pattern?: string;
    minimum?: number;
    maximum?: number;
    minLength?: number;
}

export interface FieldError {
    field: string;
    reason: string;
}

interface OpenApiDocument {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: SchemaOrRef }> } }>>;
    components: { schemas: Record<string, BodySchema> };
}

type SchemaOrRef = BodySchema | { $ref: string };

/**
 * The request-body schema of a write, read from docs/erp-contract.openapi.json itself: the sandbox validates
 * exactly what the published contract says, so the two cannot drift apart.
 */
export function requestBodySchema(method: string, path: string): BodySchema | undefined {
    const document = contract as unknown as OpenApiDocument;
    const schema = document.paths[path]?.[method.toLowerCase()]?.requestBody?.content['application/json']?.schema;
    if (schema && '$ref' in schema)
        return document.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    return schema;
}

/** Every way `value` breaks `schema`, by field; the value itself is never echoed (it may be personal data). */
export function validateBody(schema: BodySchema, value: unknown, field = ''): FieldError[] {
    const at = (reason: string): FieldError[] => [{ field: field || '(body)', reason }];
    switch (schema.type) {
        case 'object': {
            if (typeof value !== 'object' || value === null || Array.isArray(value)) return at('must be an object');
            const record = value as Record<string, unknown>;
            const missing = (schema.required ?? [])
                .filter((name) => record[name] === undefined)
                .map((name) => ({ field: join(field, name), reason: 'required' }));
            const wrong = Object.entries(schema.properties ?? {}).flatMap(([name, property]) =>
                record[name] === undefined ? [] : validateBody(property, record[name], join(field, name)),
            );
            return [...missing, ...wrong];
        }
        case 'string':
            if (typeof value !== 'string') return at('must be a string');
            if (schema.minLength !== undefined && value.length < schema.minLength)
                return at(`must have at least ${schema.minLength} characters`);
            if (schema.format === 'date' && !isDate(value)) return at('must be a date, YYYY-MM-DD');
            if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
                return at(`must match ${schema.pattern}`);
            break;
        case 'number':
        case 'integer':
            if (typeof value !== 'number' || !Number.isFinite(value)) return at('must be a number');
            if (schema.type === 'integer' && !Number.isInteger(value)) return at('must be an integer');
            if (schema.minimum !== undefined && value < schema.minimum) return at(`must be at least ${schema.minimum}`);
            if (schema.maximum !== undefined && value > schema.maximum) return at(`must be at most ${schema.maximum}`);
            break;
        case 'boolean':
            if (typeof value !== 'boolean') return at('must be true or false');
            break;
    }
    if (schema.enum && !schema.enum.includes(value as string | number))
        return at(`must be one of ${schema.enum.join(', ')}`);
    return [];
}

function join(parent: string, name: string): string {
    return parent ? `${parent}.${name}` : name;
}

function isDate(value: string): boolean {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}
