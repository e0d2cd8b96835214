import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { subscribeBodySchema, subscriptionPathSchema } from '../api/subscriptionSchemas';
import { invalidInput } from '../api/zodProblem';
import type { ServicesProvider } from '../services';
import { json, problem } from './jsonResponse';

/**
 * POST /api/subscriptions: the connector's webhook trigger subscribes a flow. 201 with Location, where Power
 * Automate sends DELETE when the flow is turned off or deleted. The callback URL is never echoed (it is a secret).
 */
export function createSubscribeHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        let body: unknown;
        try {
            body = await request.json();
        } catch {
            return problem(400, 'INVALID_JSON', 'the body must be JSON: {"callbackUrl", "events"}');
        }
        const parsed = subscribeBodySchema.safeParse(body);
        if (!parsed.success) return invalidInput('INVALID_BODY', parsed.error);
        const s = await services();
        const result = await s.subscriptions.subscribe(parsed.data, randomUUID(), s.clock.now());
        if (!result.ok) return problem(400, 'INVALID_CALLBACK', result.error.message, { field: result.error.field });
        const { id, events, createdAt } = result.value;
        // The Host header is the name the caller used (the local host's request.url says only `localhost`).
        const origin = new URL(request.url);
        const host = request.headers.get('host');
        if (host) origin.host = host;
        const location = new URL(`/api/subscriptions/${id}`, origin).toString();
        return json(201, { id, events, createdAt }, { location });
    };
}

/** DELETE /api/subscriptions/{subscriptionId}: unsubscribe. */
export function createUnsubscribeHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const parsed = subscriptionPathSchema.safeParse(request.params);
        if (!parsed.success) return invalidInput('INVALID_PATH', parsed.error, 'subscriptionId');
        const s = await services();
        if (!(await s.subscriptions.unsubscribe(parsed.data.subscriptionId)))
            return problem(404, 'NOT_FOUND', `no subscription ${parsed.data.subscriptionId}`);
        return { status: 204 };
    };
}
