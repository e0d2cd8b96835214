import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiOperations } from '../../functions/api/apiOperations';
import { renderSwagger, swaggerPath } from '../../functions/api/connectorFiles';
import { connectorInfo } from '../../functions/api/connectorInfo';
import { buildSwaggerDocument } from '../../functions/api/swaggerDocument';
import { buildRegistrations, type HttpRegistration } from '../../functions/registrations';

type Json = Record<string, unknown>;
const committed = readFileSync(swaggerPath, 'utf8');
const swagger = JSON.parse(committed) as {
    info: { title: string; description: string };
    paths: Record<string, Record<string, Json>>;
    definitions: Record<string, Json>;
};
const operations = Object.entries(swagger.paths).flatMap(([path, item]) =>
    Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({
            path,
            method,
            op: op as Json & { parameters: Json[]; responses: Record<string, Json> },
        })),
);

describe('connector/apiDefinition.swagger.json', () => {
    it('is what the operation list and the zod schemas generate (run npm run connector:generate after a change)', () => {
        expect(committed).toBe(renderSwagger());
    });

    it('changes when a schema the handlers validate with changes (the comparison above can fail)', () => {
        const [first, ...rest] = apiOperations;
        if (!first?.body) throw new Error('the first operation is expected to take a body');
        const changed = { ...first, body: z.object({ other: z.string() }).meta({ id: 'FlowEvent' }) };
        expect(JSON.stringify(buildSwaggerDocument([changed, ...rest], connectorInfo), null, 4)).not.toBe(
            JSON.stringify(JSON.parse(committed), null, 4),
        );
    });

    it('is a valid Swagger 2.0 document (@apidevtools/swagger-parser)', async () => {
        // validate() dereferences in place: give it a copy.
        const api = await SwaggerParser.validate(structuredClone(JSON.parse(committed)));
        expect((api as { swagger?: string }).swagger).toBe('2.0');
    });

    it('keeps the certification rules for title and description', () => {
        expect(swagger.info.title.length).toBeLessThanOrEqual(30);
        expect(swagger.info.title).not.toMatch(/\b(API|Connector|Power Automate|Power Apps)\b/i);
        expect(swagger.info.title).toMatch(/[A-Za-z0-9]$/);
        expect(swagger.info.description.length).toBeGreaterThanOrEqual(30);
        expect(swagger.info.description.length).toBeLessThanOrEqual(500);
    });

    it('gives every operation a PascalCase operationId, a short summary and a sentence description', () => {
        for (const { op } of operations) {
            const id = String(op.operationId);
            expect(id, id).toMatch(/^[A-Z][A-Za-z0-9]+$/);
            const summary = String(op.summary);
            expect(summary.length, id).toBeLessThanOrEqual(80);
            expect(summary, id).not.toMatch(/[/]|[.!?:;,\s]$/);
            expect(String(op.description), id).toMatch(/\.$/);
            if (op['x-ms-visibility'] !== undefined) {
                expect(['important', 'advanced', 'internal'], id).toContain(op['x-ms-visibility']);
            }
        }
        const ids = operations.map(({ op }) => op.operationId);
        expect(new Set(ids).size).toBe(ids.length);
    });

    it('titles every parameter and every property a caller fills in (x-ms-summary and description)', () => {
        for (const { op } of operations) {
            for (const parameter of op.parameters) {
                const where = `${op.operationId} ${parameter.name}`;
                expect(parameter['x-ms-summary'], where).toEqual(expect.any(String));
                expect(parameter.description, where).toEqual(expect.any(String));
                if (parameter.in !== 'body') continue;
                const ref = String((parameter.schema as Json).$ref).replace('#/definitions/', '');
                const properties = (swagger.definitions[ref]?.properties ?? {}) as Record<string, Json>;
                expect(Object.keys(properties).length, where).toBeGreaterThan(0);
                for (const [name, property] of Object.entries(properties)) {
                    expect(property['x-ms-summary'], `${where}.${name}`).toMatch(/^[A-Z]/);
                    expect(property.description, `${where}.${name}`).toMatch(/\.$/);
                }
            }
        }
    });

    it('describes the response of every operation with a schema (204 has no body)', () => {
        for (const { op } of operations) {
            for (const [status, response] of Object.entries(op.responses)) {
                expect(response.description, `${op.operationId} ${status}`).toEqual(expect.any(String));
                if (status !== '204') expect(response.schema, `${op.operationId} ${status}`).toBeDefined();
            }
        }
    });

    it('declares the webhook trigger the way Power Automate subscribes: notification URL, 201 with Location, internal unsubscribe', () => {
        const subscribe = swagger.paths['/subscriptions'] as Record<string, Json>;
        const trigger = subscribe.post as Json & { responses: Record<string, Json> };
        expect(trigger['x-ms-trigger']).toBe('single');
        expect(subscribe['x-ms-notification-content']).toMatchObject({
            schema: { $ref: '#/definitions/TransactionEvent' },
        });
        expect(trigger.responses['201']?.headers).toMatchObject({ Location: { type: 'string' } });
        const request = swagger.definitions.SubscriptionRequest as { properties: Record<string, Json> };
        const callback = request.properties.callbackUrl;
        expect(callback).toMatchObject({ 'x-ms-notification-url': true, 'x-ms-visibility': 'internal' });
        expect(swagger.paths['/subscriptions/{subscriptionId}']?.delete).toMatchObject({
            'x-ms-visibility': 'internal',
        });
    });

    it('offers only operations the function app serves (route and method in functions/registrations.ts)', () => {
        const routes = buildRegistrations(async () => Promise.reject(new Error('not called')), 'functionKey').filter(
            (r): r is HttpRegistration => r.kind === 'http',
        );
        const served = (path: string, method: string) =>
            routes.some((r) => {
                const a = r.route.split('/');
                const b = path.replace(/^\//, '').split('/');
                return (
                    (r.methods as string[]).includes(method.toUpperCase()) &&
                    a.length === b.length &&
                    a.every((segment, i) => segment === b[i] || /^\{\w+\}$/.test(segment))
                );
            });
        for (const { path, method, op } of operations) expect(served(path, method), String(op.operationId)).toBe(true);
    });

    it('keeps every `by` published in 1.0.0, now optional and hidden: flows built on it keep working', () => {
        // The bodies that carried `by` (required on most) before the actor came from the token.
        const published = [
            'AcknowledgeAlertBody',
            'DiscardReviewItemBody',
            'ReprocessConditionBody',
            'RepushRecordBody',
            'ResolveReviewItemBody',
            'RetryReviewItemBody',
            'RunBackupBody',
            'RunReconciliationBody',
        ];
        for (const name of published) {
            const body = swagger.definitions[name] as { properties: Record<string, Json>; required?: string[] };
            expect(body.properties.by, name).toMatchObject({ type: 'string', 'x-ms-visibility': 'internal' });
            expect(String(body.properties.by?.description), name).toMatch(/^Deprecated and ignored/);
            expect(body.required ?? [], name).not.toContain('by');
        }
    });
});
