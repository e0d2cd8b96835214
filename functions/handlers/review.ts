import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { actOnReviewItem, listReviewQueue, reviewActionSchema } from '../../src/core/reviewActions';
import { reviewActionResponseSchema, reviewListResponseSchema } from '../api/reviewSchemas';
import { jsonOf } from '../api/typedJson';
import type { ServicesProvider } from '../services';
import { problem } from './jsonResponse';

/** GET /api/review: escalated, quarantined and dead-lettered transactions with reason, class, owner, payload, history. */
export function createReviewListHandler(services: ServicesProvider) {
    return async (): Promise<HttpResponseInit> =>
        jsonOf(reviewListResponseSchema, 200, { items: await listReviewQueue(await services()) });
}

/** POST /api/review/{transactionId}/{action}: retry, resolve (with erpReference) or discard (with reason); `by` names who. */
export function createReviewActionHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const id = request.params.transactionId ?? '';
        let body: unknown;
        try {
            body = { ...((await request.json()) as object), action: request.params.action };
        } catch {
            return problem(
                400,
                'INVALID_JSON',
                'the body must be JSON: {"by": "...", "erpReference"?: "...", "reason"?: "..."}',
            );
        }
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
