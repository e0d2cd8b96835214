import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ServicesProvider } from '../services';
import { json, problem } from './jsonResponse';

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** GET /api/transactions?sourceRecordId=<guid>: every transaction for one CRM record, with state and audit trail. */
export function createTransactionsHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const sourceRecordId = request.query.get('sourceRecordId');
        if (!sourceRecordId || !guid.test(sourceRecordId)) {
            return problem(400, 'INVALID_QUERY', 'sourceRecordId must be the CRM record id (a GUID)', {
                field: 'sourceRecordId',
            });
        }
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
        return json(200, { sourceRecordId: sourceRecordId.toLowerCase(), transactions });
    };
}
