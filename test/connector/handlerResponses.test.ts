import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiOperations } from '../../functions/api/apiOperations';
import { createAcknowledgeHandler, createAlertsHandler } from '../../functions/handlers/alerts';
import {
    createBackupGetHandler,
    createBackupListHandler,
    createBackupRunHandler,
} from '../../functions/handlers/backups';
import { createFlowEventsHandler } from '../../functions/handlers/flowEvents';
import { createHealthHandler } from '../../functions/handlers/health';
import { createNoticesHandler, createNotifyTimerHandler } from '../../functions/handlers/notices';
import { createConditionsHandler, createMeterHandler } from '../../functions/handlers/operations';
import {
    createReconciliationGetHandler,
    createReconciliationListHandler,
    createReconciliationRunHandler,
    createRepushHandler,
} from '../../functions/handlers/reconciliation';
import { createReviewActionHandler, createReviewListHandler } from '../../functions/handlers/review';
import { createSummaryHandler } from '../../functions/handlers/summary';
import { createTransactionsHandler } from '../../functions/handlers/transactions';
import { MemoryBlobStore } from '../../src/adapters/memory/memoryBlobStore';
import { BlobStoreError } from '../../src/ports/blobStore';
import { ReportArchive } from '../../src/reconciliation/reportArchive';
import { FakeTableReader } from '../backup/fakeTableReader';
import { envelope } from '../contract/transactionStore.contract';
import { crmRows, erpBooks, fakeReader, fakeReporting } from '../reconciliation/support/fakeBooks';
import { userActor } from '../support/actors';
import { anyState } from '../support/anyState';
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

/** The answer has the status the test expects and the published shape of that status. */
function expectAnswer(operationId: string, status: number, res: { status?: number; jsonBody?: unknown }) {
    expect([operationId, res.status ?? 200]).toEqual([operationId, status]);
    expectConforms(operationId, res);
}

const contactId = '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11';
const context = () => new InvocationContext({ functionName: 't', logHandler: () => {} });
const get = (url: string, params: Record<string, string> = {}) =>
    new HttpRequest({ method: 'GET', url: `http://localhost/api/${url}`, params });
const post = (url: string, params: Record<string, string>, body?: unknown) =>
    new HttpRequest({
        method: 'POST',
        url: `http://localhost/api/${url}`,
        params,
        ...(body === undefined ? {} : { body: { string: typeof body === 'string' ? body : JSON.stringify(body) } }),
    });

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
                from: anyState,
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
                body: { string: JSON.stringify({}) },
            }),
            context(),
            userActor(),
        );
        expectConforms('RetryReviewItem', retried);
        const bad = await createTransactionsHandler(services)(get('transactions?sourceRecordId=nope'));
        expectConforms('GetTransactionStatus', bad);
    });

    it('for the alert and handover notice operations, after the notification timer ran', async () => {
        const s = memoryServices({
            notifier: { sendMail: async () => {}, postToChannel: async () => ({ messageId: 'm1' }) },
            crm: {
                retrieve: async (_e: string, id: string) =>
                    id === 'c-1' ? { fullname: 'Layla Haddad', emailaddress1: 'layla@example.org' } : undefined,
                writeBack: async () => {},
            },
        });
        const services = async () => s;
        for (const n of [1, 2, 3]) {
            const e = envelope({ transactionId: `tx-${n}`, acceptedAt: '2026-11-10T08:00:00.000Z' });
            await s.store.recordAccepted(e, e.acceptedAt);
            await s.store.updateState(
                e.transactionId,
                {
                    from: anyState,
                    state: 'review',
                    lastFailure: { class: 'defect', code: 'LOOKUP_MISSING', message: 'm', owner: 'integration' },
                },
                '2026-11-10T08:30:00.000Z',
            );
        }
        // One owner the CRM knows (sent) and one it does not (not sent, with the reason).
        for (const [unit, owner] of [
            ['u1', 'c-1'],
            ['u2', 'c-unknown'],
        ] as const) {
            await s.handovers.open({
                key: `${unit}:2026-11-20`,
                unitId: unit,
                unitCode: `MARINA-T1-${unit}`,
                ownerId: owner,
                readyOn: '2026-11-20',
                createdAt: '2026-11-10T08:00:00.000Z',
                transactionId: `tx-h-${unit}`,
                notice: 'pending',
            });
        }
        await createNotifyTimerHandler(services)({}, context());

        const notices = await createNoticesHandler(services)();
        expectAnswer('ListHandoverNotices', 200, notices);
        // Both optional fields are answered, so both are held to the published shape.
        expect(
            (
                notices.jsonBody as { notices: Array<{ state: string; sentAt?: string; lastError?: string }> }
            ).notices.map((n) => [n.state, n.sentAt !== undefined, n.lastError !== undefined]),
        ).toEqual([
            ['sent', true, false],
            ['failed', false, true],
        ]);
        const alerts = await createAlertsHandler(services)();
        expectAnswer('ListAlerts', 200, alerts);
        const [alert] = (alerts.jsonBody as { alerts: Array<{ id: string }> }).alerts;
        if (!alert) throw new Error('the timer raised no alert');
        const acknowledgeHandler = createAcknowledgeHandler(services);
        const acknowledge = (r: HttpRequest) => acknowledgeHandler(r, context(), userActor());
        const acknowledged = await acknowledge(post('x', { id: alert.id }, { by: 'ops@contoso.com' }));
        expectAnswer('AcknowledgeAlert', 200, acknowledged);
        expect(acknowledged.jsonBody).toMatchObject({ id: alert.id, state: 'acknowledged' });
        expectAnswer('AcknowledgeAlert', 404, await acknowledge(post('x', { id: 'nope' }, {})));
        expectAnswer('AcknowledgeAlert', 400, await acknowledge(post('x', { id: alert.id }, { who: 'x' })));
    });

    it('for the backup operations: a run with a table that fell short, a run cut off, a missing container', async () => {
        const files = new MemoryBlobStore();
        const reader = new FakeTableReader({
            contact: FakeTableReader.rows([{ contactid: '00000000-0000-4000-8000-000000000001', fullname: 'A' }]),
        });
        // The CRM counts one more contact than it serves, twice: the table is incomplete and says why.
        reader.countSkew.contact = [1, 1];
        const s = memoryServices({
            notifier: { sendMail: async () => {}, postToChannel: async () => ({ messageId: 'm1' }) },
        });
        s.backup = { ...s.backup, reader, files: async () => files };
        const services = async () => s;
        // A manifest still `running` a day before the clock: it was cut off and lists as abandoned.
        await files.put(
            '2026-11-09T02-00-00Z-aaaaaa/manifest.json',
            'application/json',
            JSON.stringify({
                id: '2026-11-09T02-00-00Z-aaaaaa',
                trigger: 'timer',
                startedAt: '2026-11-09T02:00:00.000Z',
                status: 'running',
                container: files.container,
                tables: [],
                failures: [],
            }),
        );

        const run = await createBackupRunHandler(services)(post('backups', {}, {}), context(), userActor());
        expectAnswer('RunBackup', 201, run);
        const record = run.jsonBody as { id: string; status: string; tables: Array<{ problem?: string }> };
        expect(record.status).toBe('incomplete');
        expect(record.tables.some((t) => t.problem !== undefined)).toBe(true);
        expect(run.headers).toMatchObject({ location: `/api/backups/${record.id}` });

        const list = await createBackupListHandler(services)(get('backups?top=5'));
        expectAnswer('ListBackups', 200, list);
        expect((list.jsonBody as { backups: Array<{ abandoned?: boolean }> }).backups.map((b) => b.abandoned)).toEqual([
            undefined,
            true,
        ]);
        expectAnswer('ListBackups', 400, await createBackupListHandler(services)(get('backups?top=0')));
        const getBackup = createBackupGetHandler(services);
        expectAnswer('GetBackup', 200, await getBackup(get('x', { backupId: record.id })));
        expectAnswer('GetBackup', 404, await getBackup(get('x', { backupId: '2026-01-01T00-00-00Z-000000' })));
        expectAnswer('GetBackup', 400, await getBackup(get('x', { backupId: 'latest' })));
        expectAnswer(
            'RunBackup',
            400,
            await createBackupRunHandler(services)(post('backups', {}, { at: 1 }), context(), userActor()),
        );
        s.backup.files = async () => {
            throw new BlobStoreError('Blob Storage opening container crm-backups: 403 AuthorizationFailure');
        };
        expectAnswer(
            'RunBackup',
            503,
            await createBackupRunHandler(services)(post('backups', {}), context(), userActor()),
        );
    });

    it('for the reconciliation operations: a month not balanced by a record the ERP lost, its re-push', async () => {
        const erp = erpBooks();
        const figures = erp.figures[0];
        if (!figures) throw new Error('no figures');
        figures.contractValue = 1_000_000;
        figures.reservations = 1;
        erp.records = erp.records.filter((r) => r.reference !== 'RSV-2');
        let failing = false;
        const reporting = fakeReporting(erp);
        const archive = new ReportArchive(new MemoryBlobStore('reconciliations'));
        const s = memoryServices({
            clock: { now: () => new Date('2026-12-03T06:00:00Z') },
            notifier: { sendMail: async () => {}, postToChannel: async () => ({ messageId: 'm1' }) },
            reconciliation: {
                reporting: {
                    ...reporting,
                    buildingFigures: async (...args) => {
                        if (failing) throw new Error('ERP answered 503');
                        return reporting.buildingFigures(...args);
                    },
                },
                reader: fakeReader(crmRows()),
                rule: memoryServices().reconciliation.rule,
                reports: async () => archive,
                channel: { teamId: 'team-1', channelId: '19:finance@thread.tacv2' },
            },
        });
        const services = async () => s;
        // The reservation the ERP lost was posted and confirmed once: it can be re-pushed.
        const lost = envelope({
            transactionId: 'tx-r2',
            type: 'reservation',
            sessionId: 'unit-u2',
            source: { entity: 're_reservation', recordId: 'r2', message: 'Create', changedAt: '2026-11-05T09:00:00Z' },
        });
        await s.store.recordAccepted(lost, '2026-11-05T09:00:00Z');
        await s.store.updateState(
            'tx-r2',
            { from: anyState, state: 'confirmed', erpPostingId: 'ERP-2' },
            '2026-11-05T09:00:01Z',
        );

        const runHandler = createReconciliationRunHandler(services);
        const runReconciliation = (r: HttpRequest) => runHandler(r, context(), userActor());
        const ran = await runReconciliation(post('x', { period: '2026-11' }, {}));
        expectAnswer('RunReconciliation', 200, ran);
        expect(ran.jsonBody).toMatchObject({
            status: 'notBalanced',
            findings: [expect.objectContaining({ kind: 'missingInErp', sourceRecordId: 'r2', repushable: true })],
        });
        expectAnswer(
            'RunReconciliation',
            400,
            await runReconciliation(post('x', { period: '2026-11' }, { project: 7 })),
        );
        expectAnswer('RunReconciliation', 400, await runReconciliation(post('x', { period: '11-2026' }, {})));

        expectAnswer(
            'ListReconciliations',
            200,
            await createReconciliationListHandler(services)(get('reconciliations')),
        );
        expectAnswer(
            'ListReconciliations',
            400,
            await createReconciliationListHandler(services)(get('reconciliations?period=2026-13')),
        );
        const getReconciliation = createReconciliationGetHandler(services);
        const report = await getReconciliation(get('x', { period: '2026-11' }));
        expectAnswer('GetReconciliation', 200, report);
        expect(report.jsonBody).toMatchObject({ period: '2026-11', balanced: false });
        expectAnswer('GetReconciliation', 404, await getReconciliation(get('x', { period: '2026-10' })));
        expectAnswer('GetReconciliation', 400, await getReconciliation(get('x', { period: 'latest' })));

        const repushHandler = createRepushHandler(services);
        const repush = (r: HttpRequest) => repushHandler(r, context(), userActor());
        expectAnswer('RepushReconciledRecord', 202, await repush(post('x', { sourceRecordId: 'r2' }, {})));
        // Queued again: on its way, so a second re-push is refused.
        expectAnswer('RepushReconciledRecord', 409, await repush(post('x', { sourceRecordId: 'r2' }, {})));
        expectAnswer('RepushReconciledRecord', 404, await repush(post('x', { sourceRecordId: 'r9' }, {})));
        expectAnswer('RepushReconciledRecord', 400, await repush(post('x', { sourceRecordId: 'r2' }, { who: 'x' })));

        failing = true;
        expectAnswer('RunReconciliation', 503, await runReconciliation(post('x', { period: '2026-11' }, {})));
    });

    it('the conformance check itself catches a field the schema does not declare', () => {
        expect(undeclared({ transactionId: 't', state: 'queued', extra: 1 }, schemaOf('RetryReviewItem', 202))).toEqual(
            ['.extra'],
        );
    });
});
