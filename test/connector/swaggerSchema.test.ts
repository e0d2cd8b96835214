import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SwaggerSchemaError, toSwaggerSchema } from '../../functions/api/swaggerSchema';

describe('zod → Swagger 2.0 Schema Object', () => {
    it('turns nullable into x-nullable and keeps descriptions and x-ms metadata', () => {
        const schema = z.object({
            id: z.string().nullable().describe('An id.').meta({ 'x-ms-summary': 'Id', 'x-ms-visibility': 'advanced' }),
        });
        expect(toSwaggerSchema(schema, 'output', 'T').schema).toEqual({
            type: 'object',
            properties: {
                id: {
                    type: 'string',
                    'x-nullable': true,
                    description: 'An id.',
                    'x-ms-summary': 'Id',
                    'x-ms-visibility': 'advanced',
                },
            },
            required: ['id'],
        });
    });

    it('drops the safe-integer bounds and the date-time pattern zod adds, keeps real bounds', () => {
        const schema = z.object({ n: z.number().int(), m: z.number().int().min(1), at: z.iso.datetime() });
        const properties = toSwaggerSchema(schema, 'input', 'T').schema.properties as Record<string, unknown>;
        expect(properties.n).toEqual({ type: 'integer' });
        expect(properties.m).toEqual({ type: 'integer', minimum: 1 });
        expect(properties.at).toEqual({ type: 'string', format: 'date-time' });
    });

    it('refuses unknown keys on input only: a response may gain fields without breaking a flow', () => {
        const schema = z.object({ a: z.string() }).strict();
        expect(toSwaggerSchema(schema, 'input', 'T').schema.additionalProperties).toBe(false);
        expect(toSwaggerSchema(schema, 'output', 'T').schema.additionalProperties).toBeUndefined();
    });

    it('moves named schemas into definitions and references them', () => {
        const inner = z.object({ code: z.string() }).meta({ id: 'Inner' });
        const converted = toSwaggerSchema(z.object({ x: inner, y: z.array(inner) }), 'output', 'T');
        expect(converted.schema.properties).toEqual({
            x: { $ref: '#/definitions/Inner' },
            y: { type: 'array', items: { $ref: '#/definitions/Inner' } },
        });
        expect(Object.keys(converted.definitions)).toEqual(['Inner']);
    });

    it('fails naming where for what Swagger 2.0 cannot say (a union), instead of publishing a wrong schema', () => {
        const schema = z.object({ value: z.union([z.string(), z.number()]) });
        expect(() => toSwaggerSchema(schema, 'output', 'GetThing 200')).toThrow(SwaggerSchemaError);
        expect(() => toSwaggerSchema(schema, 'output', 'GetThing 200')).toThrow(
            'GetThing 200.value: anyOf has no Swagger 2.0 equivalent',
        );
    });
});
