import { type ErpBooks, type Posting, type Resource, resources } from './erpBooks';
import { requestBodySchema, validateBody } from './erpContractSchema';
import type { ErpJournal } from './erpJournal';
import { recordsReport, revenueReport } from './erpReports';
import { reservationView } from './erpReservationView';

export interface ErpCall {
    method: string;
    path: string;
    query: URLSearchParams;
    idempotencyKey: string | undefined;
    body: unknown;
    /** The ERP's profile: does it keep Idempotency-Keys (replay, reuse check, look-up by key)? */
    idempotencyKeys: boolean;
}

export interface HttpAnswer {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
}

interface Route {
    method: 'GET' | 'PUT';
    /** The path exactly as docs/erp-contract.openapi.json names it. */
    path: string;
    handle(params: string[], call: ErpCall, books: ErpBooks, journal: ErpJournal): HttpAnswer;
}

const error = (status: number, code: string, message: string, details: Record<string, unknown> = {}): HttpAnswer => ({
    status,
    body: { code, message, details },
});

const periodPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The `period` query of a report, or the 400 that names it. */
function reportPeriod(call: ErpCall): string | HttpAnswer {
    const period = call.query.get('period') ?? '';
    return periodPattern.test(period)
        ? period
        : error(400, 'VALIDATION_FAILED', 'the period query parameter must be YYYY-MM', {
              errors: [{ field: 'period', reason: 'required, YYYY-MM' }],
          });
}

/** A write route: the body repeats the path's parameters in `referenceFields`, in order. */
function write(resource: Resource, path: string, referenceFields: string[]): Route {
    return {
        method: 'PUT',
        path,
        handle: (params, call, books, journal) => {
            // An ERP without keys does not look at the header at all (nor require it).
            if (call.idempotencyKeys && !call.idempotencyKey) {
                return error(400, 'VALIDATION_FAILED', 'the Idempotency-Key header is required', {
                    errors: [{ field: 'Idempotency-Key', reason: 'required' }],
                });
            }
            // The body must be what the published contract says (required fields, types, formats, enums), and
            // repeat the reference of the path.
            const errors = validateBody(requestBodySchema('PUT', path) ?? { type: 'object' }, call.body);
            const record = call.body as Record<string, unknown>;
            referenceFields.forEach((field, i) => {
                if (errors.length === 0 && record[field] !== params[i])
                    errors.push({ field, reason: `must equal the ${field} in the path` });
            });
            if (errors.length > 0) return error(400, 'VALIDATION_FAILED', 'the request is invalid', { errors });
            const reference = params.join('/');
            const at = new Date().toISOString();
            const holdsBefore = books.payoutHolds.length;
            const answer = books.apply(
                resource,
                reference,
                call.idempotencyKey,
                record,
                at,
                call.idempotencyKeys ? 'honoured' : 'ignored',
            );
            // Durable before the answer leaves: an acknowledged write (or a payout hold it caused) survives a kill -9.
            if (answer.status < 300 && !answer.replayed) {
                journal.append({
                    kind: 'write',
                    resource,
                    reference,
                    ...(call.idempotencyKey !== undefined ? { key: call.idempotencyKey } : {}),
                    body: record,
                    at,
                });
            }
            if (books.payoutHolds.length > holdsBefore)
                journal.append({ kind: 'holds', claims: books.payoutHolds.slice(holdsBefore) });
            return {
                status: answer.status,
                body: answer.body,
                ...(answer.replayed ? { headers: { 'idempotent-replayed': 'true' } } : {}),
            };
        },
    };
}

const routes: Route[] = [
    write('customers', '/erp/v1/customers/{customerRef}', ['customerRef']),
    write('reservations', '/erp/v1/reservations/{reservationNumber}', ['reservationNumber']),
    write('instalments', '/erp/v1/instalments/{instalmentId}', ['instalmentId']),
    write('receipts', '/erp/v1/receipts/{receiptNumber}', ['receiptNumber']),
    write('commissions', '/erp/v1/commissions/{claimNumber}', ['claimNumber']),
    write('construction-progress', '/erp/v1/construction-progress/{buildingCode}/{period}', ['buildingCode', 'period']),
    write('units', '/erp/v1/units/{unitCode}/status', ['unitCode']),
    {
        method: 'GET',
        path: '/erp/v1/reservations/{reservationNumber}',
        handle: ([number = ''], _call, books) =>
            reservationView(books, number) ??
            error(404, 'NOT_FOUND', `no reservation ${number}`, { reference: number }),
    },
    {
        method: 'GET',
        path: '/erp/v1/postings',
        handle: (_params, call, books) => {
            const view = (p: Posting) => ({
                postingId: p.postingId,
                type: p.type,
                reference: p.reference,
                integrationReference: p.integrationReference,
                // An ERP that keeps no keys has none to show.
                ...(call.idempotencyKeys && p.idempotencyKey !== undefined ? { idempotencyKey: p.idempotencyKey } : {}),
                postedAt: p.receivedAt,
            });
            const key = call.query.get('idempotencyKey');
            const type = call.query.get('type');
            const reference = call.query.get('reference');
            if (key !== null && (type !== null || reference !== null)) {
                return error(400, 'VALIDATION_FAILED', 'look postings up by idempotencyKey or by type and reference', {
                    errors: [{ field: 'idempotencyKey', reason: 'not with type and reference' }],
                });
            }
            if (key !== null) {
                if (!call.idempotencyKeys) {
                    return error(
                        400,
                        'IDEMPOTENCY_KEYS_UNSUPPORTED',
                        'this ERP keeps no idempotency keys; look postings up by type and reference',
                        { errors: [{ field: 'idempotencyKey', reason: 'not supported by this ERP' }] },
                    );
                }
                if (key === '')
                    return error(400, 'VALIDATION_FAILED', 'the idempotencyKey query parameter is empty', {
                        errors: [{ field: 'idempotencyKey', reason: 'required' }],
                    });
                const p = books.findByKey(key);
                return { status: 200, body: { postings: p ? [view(p)] : [] } };
            }
            const errors = [
                ...(type !== null && resources.includes(type as Resource)
                    ? []
                    : [{ field: 'type', reason: `required, one of ${resources.join(', ')}` }]),
                ...(reference ? [] : [{ field: 'reference', reason: 'required' }]),
            ];
            if (errors.length > 0) {
                return error(400, 'VALIDATION_FAILED', 'give type and reference (or idempotencyKey)', { errors });
            }
            const postings = books.findByReference(type as Resource, reference as string).map(view);
            return { status: 200, body: { postings } };
        },
    },
    {
        method: 'GET',
        path: '/erp/v1/periods/{period}',
        handle: ([period = ''], _call, books) =>
            /^\d{4}-(0[1-9]|1[0-2])$/.test(period)
                ? { status: 200, body: { period, status: books.periodStatus(period) } }
                : error(400, 'VALIDATION_FAILED', 'the period must be YYYY-MM', {
                      errors: [{ field: 'period', reason: 'must be YYYY-MM' }],
                  }),
    },
    {
        method: 'GET',
        path: '/erp/v1/reports/revenue',
        handle: (_params, call, books) => {
            const period = reportPeriod(call);
            if (typeof period !== 'string') return period;
            const building = call.query.get('buildingCode') ?? undefined;
            return { status: 200, body: { period, buildings: revenueReport(books, period, building) } };
        },
    },
    {
        method: 'GET',
        path: '/erp/v1/reports/records',
        handle: (_params, call, books) => {
            const period = reportPeriod(call);
            if (typeof period !== 'string') return period;
            const buildingCode = call.query.get('buildingCode');
            if (!buildingCode) {
                return error(400, 'VALIDATION_FAILED', 'the buildingCode query parameter is required', {
                    errors: [{ field: 'buildingCode', reason: 'required' }],
                });
            }
            return { status: 200, body: { period, buildingCode, records: recordsReport(books, period, buildingCode) } };
        },
    },
];

/** The routes the sandbox serves under /erp/v1, as `METHOD /path` with OpenAPI placeholders. */
export const erpRoutes: readonly string[] = routes.map((r) => `${r.method} ${r.path}`);

const matchers = routes.map((route) => ({
    route,
    pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '([^/]+)')}$`),
}));

/** Answers one call of the ERP contract (faults and authentication are decided before). */
export function answerErpCall(call: ErpCall, books: ErpBooks, journal: ErpJournal): HttpAnswer {
    const allowed: string[] = [];
    for (const { route, pattern } of matchers) {
        const match = pattern.exec(call.path);
        if (!match) continue;
        if (route.method !== call.method) {
            allowed.push(route.method);
            continue;
        }
        let params: string[];
        try {
            params = match.slice(1).map((p) => decodeURIComponent(p));
        } catch {
            return error(400, 'VALIDATION_FAILED', 'the path is not correctly URL-encoded');
        }
        return route.handle(params, call, books, journal);
    }
    if (allowed.length > 0) {
        const answer = error(405, 'METHOD_NOT_ALLOWED', `use ${allowed.join(' or ')}`);
        return { ...answer, headers: { allow: allowed.join(', ') } };
    }
    return error(404, 'NOT_FOUND', 'no such route in the ERP contract');
}
