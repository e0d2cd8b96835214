import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { acceptDataverseEvent, type IntakeOutcome } from '../../src/core/intake';
import { secretMatchesAny } from '../../src/core/webhookAuth';
import { traceIntake } from '../../src/telemetry/handlerTracing';
import { intakeResponseSchema } from '../api/intakeSchemas';
import { jsonOf } from '../api/typedJson';
import type { ServicesProvider } from '../services';
import { readBodyWithin } from './boundedBody';
import { contextLogger } from './contextLogger';
import { problem } from './jsonResponse';

/** Dataverse sends at most 256 KB (larger events come stripped, with x-ms-dynamics-msg-size-exceeded); anything far larger is not a Dataverse event. */
const maxBodyBytes = 1024 * 1024;

/** POST /api/dataverse/events: the webhook Dataverse (plugin step or flow via the connector) calls. */
export function createDataverseEventsHandler(services: ServicesProvider) {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        const s = await services();
        if (s.settings.INTAKE_AUTH_MODE === 'header') {
            // Settings refuse header mode without a secret; an empty list would refuse everyone anyway.
            const accepted = [s.settings.WEBHOOK_HEADER_SECRET, s.settings.WEBHOOK_HEADER_SECRET_NEXT].filter(
                (v): v is string => v !== undefined && v !== '',
            );
            if (!secretMatchesAny(request.headers.get(s.settings.WEBHOOK_HEADER_NAME), accepted)) {
                return problem(401, 'UNAUTHORIZED', `missing or wrong ${s.settings.WEBHOOK_HEADER_NAME} header`);
            }
        }
        const read = await readBodyWithin(request, maxBodyBytes);
        if (!read.ok) return problem(413, 'PAYLOAD_TOO_LARGE', `${read.reason}: not a Dataverse event`);
        const body = read.text;
        const headers: Record<string, string> = {};
        request.headers.forEach((value, key) => {
            headers[key.toLowerCase()] = value;
        });
        const outcome = await traceIntake(body, () =>
            acceptDataverseEvent(body, headers, { ...s, logger: contextLogger(context) }),
        );
        return intakeResponse(outcome);
    };
}

/** The answer of both intake routes (webhook and flow), shaped by the schema the connector publishes. */
export function intakeResponse(outcome: IntakeOutcome): HttpResponseInit {
    switch (outcome.kind) {
        case 'accepted':
            return jsonOf(intakeResponseSchema, 202, {
                status: 'accepted',
                transactionId: outcome.transactionId,
                sessionId: outcome.sessionId,
                type: outcome.type,
                ...(outcome.invalid
                    ? { invalid: { field: outcome.invalid.field, reason: outcome.invalid.reason } }
                    : {}),
            });
        case 'ignored':
            return jsonOf(intakeResponseSchema, 202, { status: 'ignored', reason: outcome.reason });
        case 'rejected':
            return problem(400, outcome.code, outcome.message, outcome.field ? { field: outcome.field } : {});
        case 'unavailable':
            // Dataverse retries a 503 once; the Retry-After is for other callers (flows, the connector).
            return problem(503, 'UNAVAILABLE', outcome.reason, {});
    }
}
