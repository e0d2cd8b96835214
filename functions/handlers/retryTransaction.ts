import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { requeueTransaction } from '../../src/core/requeueTransaction';
import type { ServicesProvider } from '../services';
import { json, problem } from './jsonResponse';

/** POST /api/transactions/{transactionId}/retry: puts a failed or dead-lettered transaction back in its unit's order. */
export function createRetryTransactionHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const id = request.params.transactionId ?? '';
        const outcome = await requeueTransaction(id, await services());
        switch (outcome.kind) {
            case 'requeued':
                return json(202, { status: 'requeued', transactionId: id, messageId: outcome.messageId });
            case 'notFound':
                return problem(404, 'NOT_FOUND', `no transaction ${id}`);
            case 'notRetryable':
                return problem(
                    409,
                    'NOT_RETRYABLE',
                    `transaction is ${outcome.state}; only failed or dead-lettered ones can be retried`,
                );
        }
    };
}
