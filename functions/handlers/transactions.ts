import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { transactionsQuerySchema, transactionsResponseSchema } from '../api/transactionSchemas';
import { jsonOf } from '../api/typedJson';
import { queryObject } from '../api/zodProblem';
import type { ServicesProvider } from '../services';
import { problem } from './jsonResponse';

/** GET /api/transactions?sourceRecordId=<guid>: every transaction for one CRM record, with state and audit trail. */
export function createTransactionsHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const query = transactionsQuerySchema.safeParse(queryObject(request.query));
        if (!query.success) {
            return problem(400, 'INVALID_QUERY', 'sourceRecordId must be the CRM record id (a GUID)', {
                field: 'sourceRecordId',
            });
        }
        const sourceRecordId = query.data.sourceRecordId;
        const { store } = await services();
        const records = await store.listBySourceRecord(sourceRecordId.toLowerCase());
        const transactions = await Promise.all(
            records.map(async (r) => ({
                transactionId: r.envelope.transactionId,
                type: r.envelope.type,
                action: r.envelope.action,
                state: r.state,
                attempts: r.attempts,
                erpPostingId: r.erpPostingId ?? null,
                lastFailure: r.lastFailure ?? null,
                acceptedAt: r.envelope.acceptedAt,
                updatedAt: r.updatedAt,
                correlationId: r.envelope.correlationId,
                entityMapVersion: r.envelope.entityMapVersion,
                sessionId: r.envelope.sessionId,
                audit: await store.listAudit(r.envelope.transactionId),
            })),
        );
        return jsonOf(transactionsResponseSchema, 200, { sourceRecordId: sourceRecordId.toLowerCase(), transactions });
    };
}
