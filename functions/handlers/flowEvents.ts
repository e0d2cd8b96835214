import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { acceptFlowEvent } from '../../src/core/flowIntake';
import { flowEventSchema } from '../api/intakeSchemas';
import { invalidInput } from '../api/zodProblem';
import type { ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';
import { intakeResponse } from './dataverseEvents';
import { problem } from './jsonResponse';

/** POST /api/flow/events: a flow (through the connector) submits a changed row; same intake core as the webhook. */
export function createFlowEventsHandler(services: ServicesProvider) {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        let body: unknown;
        try {
            body = await request.json();
        } catch {
            return problem(400, 'INVALID_JSON', 'the body must be JSON: {"entityLogicalName", "recordId", "message"}');
        }
        const parsed = flowEventSchema.safeParse(body);
        if (!parsed.success) return invalidInput('INVALID_BODY', parsed.error);
        const s = await services();
        const { entityLogicalName, recordId, message, changedAttributes, correlationId } = parsed.data;
        const outcome = await acceptFlowEvent(
            {
                entity: entityLogicalName,
                recordId,
                message,
                ...(changedAttributes ? { changedAttributes } : {}),
                correlationId: correlationId ?? context.invocationId,
            },
            { ...s, logger: contextLogger(context) },
        );
        return intakeResponse(outcome);
    };
}
