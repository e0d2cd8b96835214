import { type Histogram, type Meter, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { ErpClient, ErpPostOutcome, ErpRequest, ErpTarget } from '../../ports/erpClient';
import { inSpan } from '../../telemetry/inSpan';
import { metricNames, spanNames } from '../../telemetry/telemetryNames';

/**
 * The ERP client with a client span per call (method, route template, outcome, failure class and code, HTTP status)
 * and the call duration histogram. The body and the references in the path are left out: a path names records.
 */
export function tracingErpClient(inner: ErpClient, tracer: Tracer, meter: Meter): ErpClient {
    const duration: Histogram = meter.createHistogram(metricNames.erpDuration, { unit: 'ms' });
    const timed = async <T>(operation: string, call: () => Promise<T>, outcomeOf: (r: T) => string): Promise<T> => {
        const started = performance.now();
        let outcome = 'error';
        try {
            const result = await call();
            outcome = outcomeOf(result);
            return result;
        } finally {
            duration.record(performance.now() - started, { operation, outcome });
        }
    };
    return {
        post: (request: ErpRequest) =>
            inSpan(
                tracer,
                spanNames.erpPost,
                {
                    kind: SpanKind.CLIENT,
                    attributes: {
                        'http.request.method': request.method,
                        'erp.route': routeTemplate(request.path),
                        'erp.idempotency_key': request.idempotencyKey,
                    },
                },
                () => timed('post', () => inner.post(request), outcomeName),
                (outcome, span) => {
                    span.setAttribute('erp.outcome', outcomeName(outcome));
                    if (outcome.kind === 'posted') {
                        span.setAttribute('erp.posting_id', outcome.postingId);
                        span.setAttribute('erp.replayed', outcome.replayed);
                        return;
                    }
                    span.setAttributes({
                        'failure.class': outcome.failure.class,
                        'failure.code': outcome.failure.code,
                        'failure.owner': outcome.failure.owner,
                        ...(outcome.status !== undefined ? { 'http.response.status_code': outcome.status } : {}),
                    });
                    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.failure.code });
                },
            ),
        findPostings: (target: ErpTarget) =>
            inSpan(
                tracer,
                spanNames.erpLookup,
                // The resource, not the reference: a reference names a record.
                { kind: SpanKind.CLIENT, attributes: { 'erp.resource': target.resource } },
                () =>
                    timed(
                        'lookup',
                        () => inner.findPostings(target),
                        (r) => (r.length > 0 ? 'found' : 'none'),
                    ),
                (postings, span) => {
                    span.setAttribute('erp.found', postings.length > 0);
                    span.setAttribute('erp.postings', postings.length);
                },
            ),
        periodStatus: (period: string) =>
            inSpan(
                tracer,
                spanNames.erpPeriodStatus,
                { kind: SpanKind.CLIENT, attributes: { 'erp.period': period } },
                () =>
                    timed(
                        'periodStatus',
                        () => inner.periodStatus(period),
                        (s) => s,
                    ),
                (status, span) => span.setAttribute('erp.period_status', status),
            ),
    };
}

function outcomeName(outcome: ErpPostOutcome): string {
    return outcome.kind === 'posted' ? 'posted' : outcome.failure.class;
}

/** `/erp/v1/reservations/RSV-70001` → `/erp/v1/reservations/{id}`: the route, not the record. */
export function routeTemplate(path: string): string {
    const segments = path.split('?')[0]?.split('/') ?? [];
    return segments.map((s, i) => (i > 3 && s.length > 0 ? '{id}' : s)).join('/');
}
