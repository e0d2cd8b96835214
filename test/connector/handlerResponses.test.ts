import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiOperations } from '../../functions/api/apiOperations';
import { createFlowEventsHandler } from '../../functions/handlers/flowEvents';
import { createHealthHandler } from '../../functions/handlers/health';
import { createConditionsHandler, createMeterHandler } from '../../functions/handlers/operations';
import { createReviewActionHandler, createReviewListHandler } from '../../functions/handlers/review';
import { createSummaryHandler } from '../../functions/handlers/summary';
import { createTransactionsHandler } from '../../functions/handlers/transactions';
import { memoryServices } from '../support/memoryServices';

/** Keys a handler answers that the published schema does not declare (the schema is open, so parse() allows them). */
function undeclared(value: unknown, schema: z.ZodType, path = ''): string[] {
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
        return value == null ? [] : undeclared(value, schema.unwrap() as z.ZodType, path);
    }
    if (schema instanceof z.ZodArray && Array.isArray(value)) {
        return value.flatMap((v, i) => undeclared(v, schema.element as z.ZodType, `${path}[${i}]`));
    }
    if (schema instanceof z.ZodObject && value && typeof value === 'object') {
        const shape = schema.shape as Record<string, z.ZodType>;
        if (schema.def.catchall && !(schema.def.catchall instanceof z.ZodNever)) return [];
        return Object.entries(value).flatMap(([k, v]) =>
            shape[k] ? undeclared(v, shape[k], `${path}.${k}`) : [`${path}.${k}`],
        );
    }
    return [];
}

const schemaOf = (operationId: string, status: number) => {
    const schema = apiOperations.find((o) => o.operationId === operationId)?.responses[status]?.schema;
    if (!schema) throw new Error(`${operationId} ${status} has no schema`);
    return schema;
};

function expectConforms(operationId: string, res: { status?: number; jsonBody?: unknown }) {
    const schema = schemaOf(operationId, res.status ?? 200);
    expect(schema.safeParse(res.jsonBody).error).toBeUndefined();
    expect(undeclared(res.jsonBody, schema)).toEqual([]);
}

const contactId = '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11';
const context = () => new InvocationContext({ functionName: 't', logHandler: () => {} });
const get = (url: string, params: Record<string, string> = {}) =>
    new HttpRequest({ method: 'GET', url: `http://localhost/api/${url}`, params });

describe('handlers answer exactly what the connector publishes', () => {
    it('for every read operation, with a transaction accepted, sent to review and a condition open', async () => {
        const s = memoryServices({
            crm: {
                retrieve: async () => ({ contactid: contactId, firstname: 'A', lastname: 'B', versionnumber: 7 }),
                writeBack: async () => {},
            },
        });
        const services = async () => s;
        const accepted = await createFlowEventsHandler(services)(
            new HttpRequest({
                method: 'POST',
                url: 'http://localhost/api/flow/events',
                body: {
                    string: JSON.stringify({ entityLogicalName: 'contact', recordId: contactId, message: 'Create' }),
                },
            }),
            context(),
        );
        expectConforms('SubmitTransaction', accepted);
        const id = (accepted.jsonBody as { transactionId: string }).transactionId;
        await s.store.updateState(
            id,
            {
                state: 'review',
                attempts: 3,
                lastFailure: { class: 'defect', code: 'LOOKUP_MISSING', message: 'no mapping', owner: 'integration' },
            },
            '2026-11-10T09:05:00Z',
        );
        await s.store.appendAudit({
            at: '2026-11-10T09:05:00Z',
            transactionId: id,
            sourceRecordId: contactId,
            action: 'post',
            outcome: 'failed',
            entityMapVersion: '1.0.0',
            erpMapVersion: '1.0.0',
            payload: { contactId },
            attempt: 3,
            correlationId: 'c',
        });
        await s.conditions.open({
            key: 'period 2026-11 frozen',
            kind: 'period',
            owner: 'finance',
            since: '2026-11-10T08:00:00Z',
            details: { period: '2026-11' },
        });
        await s.meter.record({ day: '2026-11-10', type: 'customer', attempt: 'retry', outcome: 'transient' });

        expectConforms(
            'GetTransactionStatus',
            await createTransactionsHandler(services)(get(`transactions?sourceRecordId=${contactId}`)),
        );
        expectConforms('ListReviewItems', await createReviewListHandler(services)());
        expectConforms('ListConditions', await createConditionsHandler(services)());
        expectConforms('GetRetryMeter', await createMeterHandler(services)(get('meter?day=2026-11-10')));
        expectConforms('GetHealth', await createHealthHandler(services)());
        expectConforms('GetDailySummary', await createSummaryHandler(services)(get('summary?date=2026-11-10')));
        const retried = await createReviewActionHandler(services)(
            new HttpRequest({
                method: 'POST',
                url: `http://localhost/api/review/${id}/retry`,
                params: { transactionId: id, action: 'retry' },
                body: { string: JSON.stringify({ by: 'ops@contoso.com' }) },
            }),
        );
        expectConforms('RetryReviewItem', retried);
        const bad = await createTransactionsHandler(services)(get('transactions?sourceRecordId=nope'));
        expectConforms('GetTransactionStatus', bad);
    });

    it('the conformance check itself catches a field the schema does not declare', () => {
        expect(undeclared({ transactionId: 't', state: 'queued', extra: 1 }, schemaOf('RetryReviewItem', 202))).toEqual(
            ['.extra'],
        );
    });
});
