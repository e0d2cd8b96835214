import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { actOnReviewItem, listReviewQueue, reviewActionSchema } from '../../src/core/reviewActions';
import { reviewActionResponseSchema, reviewListResponseSchema } from '../api/reviewSchemas';
import { jsonOf } from '../api/typedJson';
import { type Actor, actingAs } from '../auth/operatorAccess';
import type { ServicesProvider } from '../services';
import { problem } from './jsonResponse';
import { optionalJsonBody } from './optionalJsonBody';

/** GET /api/review: escalated, quarantined and dead-lettered transactions with reason, class, owner, payload, history. */
export function createReviewListHandler(services: ServicesProvider) {
    return async (): Promise<HttpResponseInit> =>
        jsonOf(reviewListResponseSchema, 200, { items: await listReviewQueue(await services()) });
}

/**
 * POST /api/review/{transactionId}/{action}: retry, resolve (with erpReference) or discard (with reason). The audit
 * names the signed-in actor; a `by` in the body is ignored (kept only where nobody signs in: locally).
 */
export function createReviewActionHandler(services: ServicesProvider) {
    return async (request: HttpRequest, _context: InvocationContext, actor: Actor): Promise<HttpResponseInit> => {
        const id = request.params.transactionId ?? '';
        const read = await optionalJsonBody(request);
        if (!read.ok || typeof read.body !== 'object' || read.body === null || Array.isArray(read.body)) {
            return problem(
                400,
                'INVALID_JSON',
                'the body must be a JSON object: {"erpReference"?: "...", "reason"?: "..."}',
            );
        }
        const fields = read.body as Record<string, unknown>;
        const claimed = typeof fields.by === 'string' ? fields.by : undefined;
        const body = { ...fields, action: request.params.action, by: actingAs(actor, claimed) };
        const parsed = reviewActionSchema.safeParse(body);
        if (!parsed.success) {
            const issue = parsed.error.issues[0];
            return problem(
                400,
                'INVALID_ACTION',
                `${issue?.path.join('.') || 'action'}: ${issue?.message ?? 'invalid'}`,
                { field: issue?.path.join('.') ?? 'action' },
            );
        }
        const outcome = await actOnReviewItem(id, parsed.data, await services());
        switch (outcome.kind) {
            case 'done':
                return jsonOf(reviewActionResponseSchema, 202, { transactionId: id, state: outcome.state });
            case 'notFound':
                return problem(404, 'NOT_FOUND', `no transaction ${id}`);
            case 'notInReview':
                return problem(
                    409,
                    'NOT_IN_REVIEW',
                    `transaction is ${outcome.state}; only review and dead-lettered ones take review actions`,
                );
        }
    };
}
