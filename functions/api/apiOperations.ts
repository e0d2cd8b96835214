import type { z } from 'zod';
import { summaryResponseSchema } from '../handlers/summary';
import { acknowledgeBodySchema, alertPathSchema, alertSchema, alertsResponseSchema } from './alertSchemas';
import {
    backupListQuerySchema,
    backupListResponseSchema,
    backupPathSchema,
    backupRunBodySchema,
    backupRunSchema,
} from './backupSchemas';
import { flowEventSchema, intakeResponseSchema } from './intakeSchemas';
import { noticesResponseSchema } from './noticeSchemas';
import {
    conditionsResponseSchema,
    healthResponseSchema,
    meterQuerySchema,
    meterResponseSchema,
    reprocessBodySchema,
    reprocessResponseSchema,
    summaryQuerySchema,
} from './operationsSchemas';
import { problemSchema } from './problemSchema';
import {
    reconciliationGetQuerySchema,
    reconciliationListQuerySchema,
    reconciliationListResponseSchema,
    reconciliationPathSchema,
    reconciliationReportSchema,
    reconciliationRunBodySchema,
    reconciliationRunResponseSchema,
    repushBodySchema,
    repushConflictSchema,
    repushPathSchema,
    repushResponseSchema,
} from './reconciliationSchemas';
import {
    discardBodySchema,
    resolveBodySchema,
    retryBodySchema,
    reviewActionResponseSchema,
    reviewListResponseSchema,
    reviewPathSchema,
} from './reviewSchemas';
import {
    subscribeBodySchema,
    subscriptionPathSchema,
    subscriptionResponseSchema,
    transactionNotificationSchema,
} from './subscriptionSchemas';
import { sweepListQuerySchema, sweepListResponseSchema, sweepRunBodySchema, sweepRunSchema } from './sweepSchemas';
import { transactionsQuerySchema, transactionsResponseSchema } from './transactionSchemas';

export interface ApiResponse {
    description: string;
    schema?: z.ZodType;
    headers?: Record<string, { description: string }>;
}

/** One operation of the HTTP API as the connector shows it; the handlers validate with the very same schemas. */
export interface ApiOperation {
    operationId: string;
    method: 'get' | 'post' | 'delete';
    /** Under /api; `{name}` segments are path parameters described by `path`. */
    path: string;
    summary: string;
    description: string;
    visibility?: 'important' | 'advanced' | 'internal';
    params?: { path?: z.ZodObject; query?: z.ZodObject };
    body?: z.ZodType;
    responses: Record<number, ApiResponse>;
    /** A webhook trigger: Power Automate subscribes here and is sent `notification`. */
    trigger?: { notification: z.ZodType; description: string };
}

const problem = (description: string): ApiResponse => ({ description, schema: problemSchema });
const badRequest = problem('The input is invalid; the error names the field.');
const unavailable = problem('A dependency cannot answer now; try again later.');

/**
 * Every operation the connector offers, in the order flows list them. Adding one is one entry here (plus its
 * handler in functions/registrations.ts); `npm run connector:generate` writes connector/apiDefinition.swagger.json.
 * Published operationIds are frozen: Power Platform treats a rename as a breaking change.
 */
export const apiOperations: ApiOperation[] = [
    {
        operationId: 'SubmitTransaction',
        method: 'post',
        path: '/flow/events',
        summary: 'Submit a CRM transaction',
        description:
            'Sends a changed Dataverse row to the ERP through the same intake as the webhook: the row is read from Dataverse, mapped and queued in its unit order.',
        visibility: 'important',
        body: flowEventSchema,
        responses: {
            202: {
                description: 'Accepted and durably queued, or ignored with the reason.',
                schema: intakeResponseSchema,
            },
            400: badRequest,
            503: unavailable,
        },
    },
    {
        operationId: 'GetTransactionStatus',
        method: 'get',
        path: '/transactions',
        summary: 'Get the status and audit trail of a row',
        description:
            'Returns every transaction of one Dataverse row: state, attempts, ERP posting id, last failure and the audit trail.',
        visibility: 'important',
        params: { query: transactionsQuerySchema },
        responses: {
            200: { description: 'The transactions of the row.', schema: transactionsResponseSchema },
            400: badRequest,
        },
    },
    {
        operationId: 'ListReviewItems',
        method: 'get',
        path: '/review',
        summary: 'List the review queue',
        description:
            'Returns escalated, quarantined and dead-lettered transactions with reason, class, owner, payload and history.',
        visibility: 'important',
        responses: { 200: { description: 'The review queue, oldest first.', schema: reviewListResponseSchema } },
    },
    {
        operationId: 'RetryReviewItem',
        method: 'post',
        path: '/review/{transactionId}/retry',
        summary: 'Retry a review item',
        description: 'Runs a transaction in review again with the current map versions and the same idempotency key.',
        params: { path: reviewPathSchema },
        body: retryBodySchema,
        responses: {
            202: { description: 'Queued again.', schema: reviewActionResponseSchema },
            400: badRequest,
            404: problem('No such transaction.'),
            409: problem('The transaction is not in review.'),
        },
    },
    {
        operationId: 'ResolveReviewItem',
        method: 'post',
        path: '/review/{transactionId}/resolve',
        summary: 'Resolve a review item',
        description: 'Closes a transaction in review by hand, recording the ERP reference that settles it.',
        params: { path: reviewPathSchema },
        body: resolveBodySchema,
        responses: {
            202: { description: 'Resolved.', schema: reviewActionResponseSchema },
            400: badRequest,
            404: problem('No such transaction.'),
            409: problem('The transaction is not in review.'),
        },
    },
    {
        operationId: 'DiscardReviewItem',
        method: 'post',
        path: '/review/{transactionId}/discard',
        summary: 'Discard a review item',
        description: 'Drops a transaction in review with a reason; nothing is sent to the ERP.',
        params: { path: reviewPathSchema },
        body: discardBodySchema,
        responses: {
            202: { description: 'Discarded.', schema: reviewActionResponseSchema },
            400: badRequest,
            404: problem('No such transaction.'),
            409: problem('The transaction is not in review.'),
        },
    },
    {
        operationId: 'ListConditions',
        method: 'get',
        path: '/conditions',
        summary: 'List what parked transactions wait on',
        description:
            'Returns the active conditions (frozen period, milestone, dependency ...) with owner, age and units.',
        visibility: 'advanced',
        responses: { 200: { description: 'Active conditions.', schema: conditionsResponseSchema } },
    },
    {
        operationId: 'ReprocessCondition',
        method: 'post',
        path: '/conditions/reprocess',
        summary: 'Reprocess a parked condition',
        description: 'Releases every transaction parked under a condition now, e.g. once finance reopens a period.',
        body: reprocessBodySchema,
        responses: {
            202: { description: 'Reprocessing started.', schema: reprocessResponseSchema },
            400: badRequest,
            404: problem('No such condition.'),
        },
    },
    {
        operationId: 'GetRetryMeter',
        method: 'get',
        path: '/meter',
        summary: 'Get the retry meter of a day',
        description:
            'Returns the ERP calls of a UTC day: first attempts, retries and probes by type and outcome, the retry budget used and the circuit breaker state.',
        visibility: 'advanced',
        params: { query: meterQuerySchema },
        responses: {
            200: { description: 'The day meter.', schema: meterResponseSchema },
            400: badRequest,
        },
    },
    {
        operationId: 'GetDailySummary',
        method: 'get',
        path: '/summary',
        summary: 'Get the daily summary',
        description:
            'Returns the end-of-day figures of a UTC date: transactions by type and outcome, failure rates by class, parked conditions, the review queue and the retry meter.',
        visibility: 'important',
        params: { query: summaryQuerySchema },
        responses: {
            200: {
                description: 'The summary of the date.',
                // The handler's own schema (functions/handlers/summary.ts), named for the connector.
                schema: summaryResponseSchema.meta({
                    id: 'DailySummary',
                    description: 'End-of-day figures of the integration.',
                }),
            },
            400: badRequest,
        },
    },
    {
        operationId: 'ListAlerts',
        method: 'get',
        path: '/alerts',
        summary: 'List the alerts',
        description:
            'Returns the grouped alerts, newest first: what failed, how often, who owns it, its state and escalation level.',
        visibility: 'important',
        responses: { 200: { description: 'The alerts, newest first.', schema: alertsResponseSchema } },
    },
    {
        operationId: 'AcknowledgeAlert',
        method: 'post',
        path: '/alerts/{id}/acknowledge',
        summary: 'Acknowledge an alert',
        description:
            'Records that someone has taken an alert so it stops escalating; an acknowledged or resolved alert is answered as it is.',
        params: { path: alertPathSchema },
        body: acknowledgeBodySchema,
        responses: {
            200: { description: 'The alert after acknowledgement.', schema: alertSchema },
            400: badRequest,
            404: problem('No such alert.'),
        },
    },
    {
        operationId: 'ListHandoverNotices',
        method: 'get',
        path: '/notices',
        summary: 'List the handover notices',
        description:
            'Returns the handover notices sent to unit owners, newest first, with their delivery state (never the address).',
        visibility: 'advanced',
        responses: { 200: { description: 'The notices, newest first.', schema: noticesResponseSchema } },
    },
    {
        operationId: 'RunSweep',
        method: 'post',
        path: '/sweeps',
        summary: 'Sweep for missed Dataverse events now',
        description:
            'Reads the rows of every mapped table modified in the window and sends each row whose latest change never reached the integration through intake, with the key its webhook would have had; answers with the run.',
        visibility: 'advanced',
        body: sweepRunBodySchema,
        responses: {
            200: {
                description: 'The run; status says whether every table was read and every row checked.',
                schema: sweepRunSchema,
            },
            400: badRequest,
            503: problem('The run cannot be recorded now; try again later.'),
        },
    },
    {
        operationId: 'ListSweeps',
        method: 'get',
        path: '/sweeps',
        summary: 'List the sweep runs',
        description:
            'Returns the past runs of the daily sweep for missed Dataverse events, newest first, with what each found.',
        visibility: 'advanced',
        params: { query: sweepListQuerySchema },
        responses: {
            200: { description: 'Past runs, newest first.', schema: sweepListResponseSchema },
            400: badRequest,
        },
    },
    {
        operationId: 'RunBackup',
        method: 'post',
        path: '/backups',
        summary: 'Run a backup now',
        description:
            'Exports every planned Dataverse table and the integration state to the backup container now, checks each against its source count and answers with the run record.',
        visibility: 'advanced',
        body: backupRunBodySchema,
        responses: {
            201: {
                description: 'The run record; status says whether it is complete, incomplete or failed.',
                schema: backupRunSchema,
                headers: { Location: { description: 'URL of the run record.' } },
            },
            400: badRequest,
            503: problem('The backup container cannot be opened; try again later.'),
        },
    },
    {
        operationId: 'ListBackups',
        method: 'get',
        path: '/backups',
        summary: 'List the backup runs',
        description: 'Returns past backup runs, newest first, with their outcome, tables and rows.',
        visibility: 'advanced',
        params: { query: backupListQuerySchema },
        responses: {
            200: { description: 'Past runs, newest first.', schema: backupListResponseSchema },
            400: badRequest,
        },
    },
    {
        operationId: 'GetBackup',
        method: 'get',
        path: '/backups/{backupId}',
        summary: 'Get a backup run',
        description:
            'Returns one backup run with its files (path, rows, bytes, SHA-256) and the completeness check of each table.',
        visibility: 'advanced',
        params: { path: backupPathSchema },
        responses: {
            200: { description: 'The run.', schema: backupRunSchema },
            400: badRequest,
            404: problem('No such backup run.'),
        },
    },
    {
        operationId: 'ListReconciliations',
        method: 'get',
        path: '/reconciliations',
        summary: 'List the reconciliation runs',
        description:
            'Returns the stored month-end reconciliations of the CRM against the ERP, newest first: period, project, whether balanced, findings and files.',
        visibility: 'advanced',
        params: { query: reconciliationListQuerySchema },
        responses: {
            200: { description: 'The stored runs, newest first.', schema: reconciliationListResponseSchema },
            400: badRequest,
        },
    },
    {
        operationId: 'GetReconciliation',
        method: 'get',
        path: '/reconciliations/{period}',
        summary: 'Get the reconciliation of a month',
        description:
            'Returns the newest reconciliation of a month, whole: totals, each building, and the record-level findings with their owner and action.',
        visibility: 'important',
        params: { path: reconciliationPathSchema, query: reconciliationGetQuerySchema },
        responses: {
            200: { description: 'The report.', schema: reconciliationReportSchema },
            400: badRequest,
            404: problem('No reconciliation of that month yet.'),
        },
    },
    {
        operationId: 'RunReconciliation',
        method: 'post',
        path: '/reconciliations/{period}',
        summary: 'Reconcile a month now',
        description:
            'Reconciles a month of the CRM against the ERP now, stores the report and posts its summary to the end-of-day channel.',
        visibility: 'important',
        params: { path: reconciliationPathSchema },
        body: reconciliationRunBodySchema,
        responses: {
            200: { description: 'Balanced or not, with totals and findings.', schema: reconciliationRunResponseSchema },
            400: badRequest,
            503: problem('The CRM or the ERP cannot answer now; try again later.'),
        },
    },
    {
        operationId: 'RepushReconciledRecord',
        method: 'post',
        path: '/reconciliations/repush/{sourceRecordId}',
        summary: 'Re-push a record the ERP lost',
        description:
            'Sends a record a reconciliation found missing in the ERP through the pipeline again with its idempotency key; never a direct ERP write.',
        params: { path: repushPathSchema },
        body: repushBodySchema,
        responses: {
            202: { description: 'Queued again.', schema: repushResponseSchema },
            400: badRequest,
            404: problem('No transaction was ever accepted for the row: save it in Dataverse to send it.'),
            409: {
                description: 'A transaction of the row is still on its way; it posts by itself.',
                schema: repushConflictSchema,
            },
        },
    },
    {
        operationId: 'GetHealth',
        method: 'get',
        path: '/health',
        summary: 'Check that the integration is ready',
        description: 'Returns ready once configuration is loaded and clients are built.',
        visibility: 'internal',
        responses: {
            200: { description: 'Ready.', schema: healthResponseSchema },
            503: { description: 'Not ready.', schema: healthResponseSchema },
        },
    },
    {
        operationId: 'OnTransactionEvent',
        method: 'post',
        path: '/subscriptions',
        summary: 'When a transaction is parked, sent to review or posted',
        description:
            'This operation triggers when a transaction is parked under a condition, sent to the review queue or posted to the ERP.',
        visibility: 'important',
        body: subscribeBodySchema,
        trigger: {
            notification: transactionNotificationSchema,
            description: 'The transaction that changed state.',
        },
        responses: {
            201: {
                description: 'Subscribed; Location is where to unsubscribe.',
                schema: subscriptionResponseSchema,
                headers: { Location: { description: 'URL of the subscription, for DELETE.' } },
            },
            400: badRequest,
        },
    },
    {
        operationId: 'DeleteSubscription',
        method: 'delete',
        path: '/subscriptions/{subscriptionId}',
        summary: 'Delete a subscription',
        description:
            'Stops sending transaction events to a flow; called by Power Automate when the flow is turned off.',
        visibility: 'internal',
        params: { path: subscriptionPathSchema },
        responses: { 204: { description: 'Deleted.' }, 404: problem('No such subscription.') },
    },
];
