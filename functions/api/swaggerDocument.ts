import type { z } from 'zod';
import type { ApiOperation } from './apiOperations';
import { type JsonSchema, SwaggerSchemaError, toSwaggerSchema } from './swaggerSchema';

export interface ConnectorInfo {
    title: string;
    description: string;
    version: string;
    contact: { name: string; url: string; email: string };
    /** Placeholder host: the connection's `hostUrl` replaces it (dynamichosturl policy in apiProperties.json). */
    host: string;
    /** Entra ID authority and scope of the Function app's app registration. */
    oauth: { authorizationUrl: string; tokenUrl: string };
    metadata: { website: string; privacyPolicy: string; categories: string };
}

/** Keys of a parameter Swagger 2.0 allows outside a body (no `schema`, no `$ref`). */
const parameterKeys = new Set([
    'type',
    'format',
    'pattern',
    'enum',
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'default',
    'description',
    'x-ms-summary',
    'x-ms-visibility',
]);

/** The Swagger 2.0 document of the connector, built from the operation list and the zod schemas the handlers use. */
export function buildSwaggerDocument(operations: ApiOperation[], info: ConnectorInfo): JsonSchema {
    const definitions: Record<string, JsonSchema> = {};
    const paths: Record<string, Record<string, unknown>> = {};
    const schemaOf = (schema: z.ZodType, io: 'input' | 'output', where: string): JsonSchema => {
        const converted = toSwaggerSchema(schema, io, where);
        for (const [name, definition] of Object.entries(converted.definitions)) {
            const existing = definitions[name];
            if (existing && JSON.stringify(existing) !== JSON.stringify(definition))
                throw new SwaggerSchemaError(where, `two different schemas are named ${name}`);
            definitions[name] = definition;
        }
        return converted.schema;
    };

    for (const op of operations) {
        const where = `${op.operationId}`;
        const parameters: JsonSchema[] = [
            ...parametersOf(op.params?.path, 'path', schemaOf, where),
            ...parametersOf(op.params?.query, 'query', schemaOf, where),
        ];
        if (op.body) {
            parameters.push({
                name: 'body',
                in: 'body',
                required: true,
                description: 'The request body.',
                'x-ms-summary': 'Body',
                schema: schemaOf(op.body, 'input', `${where} body`),
            });
        }
        const responses = Object.fromEntries(
            Object.entries(op.responses).map(([status, r]) => [
                status,
                {
                    description: r.description,
                    ...(r.schema ? { schema: schemaOf(r.schema, 'output', `${where} ${status}`) } : {}),
                    ...(r.headers
                        ? {
                              headers: Object.fromEntries(
                                  Object.entries(r.headers).map(([n, h]) => [
                                      n,
                                      { type: 'string', description: h.description },
                                  ]),
                              ),
                          }
                        : {}),
                },
            ]),
        );
        const operation: JsonSchema = {
            operationId: op.operationId,
            summary: op.summary,
            description: op.description,
            ...(op.visibility ? { 'x-ms-visibility': op.visibility } : {}),
            ...(op.trigger ? { 'x-ms-trigger': 'single' } : {}),
            parameters,
            responses,
        };
        const item = paths[op.path] ?? {};
        if (item[op.method]) throw new SwaggerSchemaError(where, `${op.method} ${op.path} is declared twice`);
        item[op.method] = operation;
        if (op.trigger) {
            item['x-ms-notification-content'] = {
                description: op.trigger.description,
                schema: schemaOf(op.trigger.notification, 'output', `${where} notification`),
            };
        }
        paths[op.path] = item;
    }

    return {
        swagger: '2.0',
        info: { title: info.title, description: info.description, version: info.version, contact: info.contact },
        host: info.host,
        basePath: '/api',
        schemes: ['https'],
        consumes: ['application/json'],
        produces: ['application/json'],
        paths,
        definitions: sortKeys(definitions),
        parameters: {},
        responses: {},
        securityDefinitions: {
            oauth2_auth: {
                type: 'oauth2',
                flow: 'accessCode',
                authorizationUrl: info.oauth.authorizationUrl,
                tokenUrl: info.oauth.tokenUrl,
                scopes: {},
            },
        },
        security: [{ oauth2_auth: [] }],
        tags: [],
        'x-ms-connector-metadata': [
            { propertyName: 'Website', propertyValue: info.metadata.website },
            { propertyName: 'Privacy policy', propertyValue: info.metadata.privacyPolicy },
            { propertyName: 'Categories', propertyValue: info.metadata.categories },
        ],
    };
}

function parametersOf(
    schema: z.ZodObject | undefined,
    location: 'path' | 'query',
    schemaOf: (s: z.ZodType, io: 'input', where: string) => JsonSchema,
    where: string,
): JsonSchema[] {
    if (!schema) return [];
    const converted = schemaOf(schema, 'input', `${where} ${location}`);
    const properties = (converted.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((converted.required ?? []) as string[]);
    return Object.entries(properties).map(([name, property]) => {
        const unsupported = Object.keys(property).find((k) => !parameterKeys.has(k));
        if (unsupported)
            throw new SwaggerSchemaError(
                `${where} ${location}.${name}`,
                `${unsupported} is not allowed on a parameter`,
            );
        return { name, in: location, required: location === 'path' || required.has(name), ...property };
    });
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
    return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
