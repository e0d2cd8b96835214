import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { describeError } from '../../src/core/describeError';
import type { ReportFormat } from '../../src/reconciliation/reportArchive';
import { repushRecord } from '../../src/reconciliation/repush';
import { runReconciliation } from '../../src/reconciliation/runReconciliation';
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
    repushResponseSchema,
} from '../api/reconciliationSchemas';
import { jsonOf } from '../api/typedJson';
import { type Actor, actingAs } from '../auth/operatorAccess';
import type { ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';
import { problem } from './jsonResponse';
import { optionalJsonBody } from './optionalJsonBody';

const formats: Record<string, ReportFormat> = { json: 'json', md: 'markdown', markdown: 'markdown', csv: 'csv' };
const badPeriod = (period: string) =>
    problem(400, 'INVALID_PERIOD', `period must be YYYY-MM, got "${period}"`, { field: 'period' });

/** GET /api/reconciliations[?period=YYYY-MM]: the stored runs, newest first (id, period, project, balanced, files). */
export function createReconciliationListHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const period = request.query.get('period') ?? undefined;
        const query = reconciliationListQuerySchema.safeParse({ period });
        if (!query.success) return badPeriod(period ?? '');
        const s = await services();
        return jsonOf(reconciliationListResponseSchema, 200, {
            reports: await (await s.reconciliation.reports()).list(query.data.period),
        });
    };
}

/**
 * GET /api/reconciliations/{period}[?project=CODE][&format=json|md|csv]: the newest run for the period, whole
 * (JSON), or its readable report (Markdown) or record-level lines (CSV) as stored.
 */
export function createReconciliationGetHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const period = request.params.period ?? '';
        if (!reconciliationPathSchema.safeParse({ period }).success) return badPeriod(period);
        const asked = request.query.get('format') ?? 'json';
        const format = formats[asked];
        if (!format) return problem(400, 'INVALID_FORMAT', 'format must be json, md or csv', { field: 'format' });
        const s = await services();
        const archive = await s.reconciliation.reports();
        const query = reconciliationGetQuerySchema.parse({ project: request.query.get('project') ?? undefined });
        const report = await archive.latest(period, query.project);
        if (!report)
            return problem(
                404,
                'NOT_FOUND',
                `no reconciliation for ${period} yet: POST /api/reconciliations/${period} runs one`,
            );
        if (format === 'json') return jsonOf(reconciliationReportSchema, 200, report);
        const file = await archive.file(report, format);
        if (!file) return problem(404, 'NOT_FOUND', `the ${asked} file of ${report.id} is missing`);
        return { status: 200, body: file.text, headers: { 'content-type': file.contentType } };
    };
}

/**
 * POST /api/reconciliations/{period} {project?}: reconciles now, stores the report and posts the summary.
 * 200 with `status: balanced | notBalanced`, the totals and the findings; 503 when the CRM or the ERP cannot answer.
 */
export function createReconciliationRunHandler(services: ServicesProvider) {
    return async (request: HttpRequest, context: InvocationContext, actor: Actor): Promise<HttpResponseInit> => {
        const period = request.params.period ?? '';
        if (!reconciliationPathSchema.safeParse({ period }).success) return badPeriod(period);
        const read = await optionalJsonBody(request);
        const parsed = reconciliationRunBodySchema.safeParse(read.ok ? read.body : undefined);
        if (!parsed.success) {
            const issue = parsed.error.issues[0];
            return problem(
                400,
                'INVALID_BODY',
                `expected {"project"?: "..."}: ${issue?.path.join('.') || '(body)'} ${issue?.message ?? ''}`,
                {
                    field: issue?.path.join('.') || '(body)',
                },
            );
        }
        const s = await services();
        try {
            const result = await runReconciliation(period, parsed.data.project, {
                ...s,
                logger: contextLogger(context),
            });
            // The actor's object id, never a name or an e-mail, goes to the log.
            context.log(
                `reconciliation ${result.report.id} by ${actor.kind} ${actor.id}: ${result.report.balanced ? 'balanced' : 'not balanced'}, ${result.report.findings.length} finding(s)`,
            );
            return jsonOf(reconciliationRunResponseSchema, 200, {
                status: result.report.balanced ? 'balanced' : 'notBalanced',
                id: result.report.id,
                files: result.stored.files,
                posted: result.posted,
                totals: result.report.totals,
                investigated: result.report.investigated,
                findings: result.report.findings,
            });
        } catch (e) {
            return problem(503, 'RECONCILIATION_UNAVAILABLE', `cannot reconcile ${period} now: ${describeError(e)}`);
        }
    };
}

/**
 * POST /api/reconciliations/repush/{sourceRecordId}: sends a record the ERP lost through the pipeline again, with
 * its idempotency key (never a direct ERP write), the audit naming the signed-in actor. 202 queued; 404 when no
 * transaction was ever accepted for it; 409 when one is still on its way.
 */
export function createRepushHandler(services: ServicesProvider) {
    return async (request: HttpRequest, _context: InvocationContext, actor: Actor): Promise<HttpResponseInit> => {
        const id = request.params.sourceRecordId ?? '';
        const read = await optionalJsonBody(request);
        const parsed = repushBodySchema.safeParse(read.ok ? read.body : undefined);
        if (!parsed.success) return problem(400, 'INVALID_BODY', 'expected {} or nothing', { field: 'body' });
        const outcome = await repushRecord(id, actingAs(actor, parsed.data.by), await services());
        switch (outcome.kind) {
            case 'queued':
                return jsonOf(repushResponseSchema, 202, {
                    status: 'queued',
                    transactionId: outcome.transactionId,
                    sessionId: outcome.sessionId,
                });
            case 'neverAccepted':
                return problem(
                    404,
                    'NEVER_ACCEPTED',
                    `no transaction was ever accepted for CRM record ${id}: save the row in Dataverse to send it`,
                );
            case 'onItsWay':
                return jsonOf(repushConflictSchema, 409, {
                    error: {
                        code: 'ON_ITS_WAY',
                        message: `transaction ${outcome.transactionId} of this record is ${outcome.state}: it posts by itself`,
                        transactionId: outcome.transactionId,
                        state: outcome.state,
                    },
                });
        }
    };
}

/** The month before the one `now` falls in, as YYYY-MM. */
export function previousPeriod(now: Date): string {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    return d.toISOString().slice(0, 7);
}

/** Timer (RECONCILIATION_SCHEDULE, after each period close): reconciles the previous month for every project. */
export function createReconciliationTimerHandler(services: ServicesProvider) {
    return async (_timer: unknown, context: InvocationContext): Promise<void> => {
        const s = await services();
        const period = previousPeriod(s.clock.now());
        const result = await runReconciliation(period, undefined, { ...s, logger: contextLogger(context) });
        context.log(
            `reconciliation ${result.report.id}: ${result.report.balanced ? 'balanced' : 'not balanced'}, ${result.report.findings.length} finding(s), channel ${result.posted ? 'posted' : `not posted${result.postError ? ` (${result.postError}; summary ${result.fallback === 'mailed' ? 'mailed to its owner' : 'not mailed either'})` : ''}`}`,
        );
    };
}
