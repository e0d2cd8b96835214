import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { update } from '../../src/notifications/alertDispatch';
import type { Alert } from '../../src/ports/alertStore';
import { acknowledgeBodySchema, alertSchema, alertsResponseSchema } from '../api/alertSchemas';
import { jsonOf } from '../api/typedJson';
import { type Actor, actingAs } from '../auth/operatorAccess';
import type { ServicesProvider } from '../services';
import { problem } from './jsonResponse';
import { optionalJsonBody } from './optionalJsonBody';

// The published shapes (functions/api/alertSchemas.ts); re-exported for the callers that read them from here.
export { alertSchema, alertsResponseSchema };

const maxListed = 500;

/** GET /api/alerts: grouped alerts, newest first: what failed, how often, who owns it, escalation level. */
export function createAlertsHandler(services: ServicesProvider) {
    return async (): Promise<HttpResponseInit> => {
        const s = await services();
        const alerts = await s.notifications.alerts.list({ max: maxListed });
        return jsonOf(alertsResponseSchema, 200, { alerts: alerts.map(alertView) });
    };
}

/**
 * POST /api/alerts/{id}/acknowledge: the signed-in actor has taken the alert; it stops escalating. Acknowledging an
 * acknowledged or resolved alert changes nothing and answers it as it is.
 */
export function createAcknowledgeHandler(services: ServicesProvider) {
    return async (request: HttpRequest, _context: InvocationContext, actor: Actor): Promise<HttpResponseInit> => {
        const id = request.params.id ?? '';
        const read = await optionalJsonBody(request);
        if (!read.ok) return problem(400, 'INVALID_JSON', 'the body must be empty or JSON');
        const parsed = acknowledgeBodySchema.safeParse(read.body);
        if (!parsed.success) {
            const issue = parsed.error.issues[0];
            const field = issue?.path.join('.') || 'body';
            return problem(400, 'INVALID_BODY', `${field}: ${issue?.message ?? 'invalid'}`, { field });
        }
        const s = await services();
        const at = s.clock.now().toISOString();
        const by = actingAs(actor, parsed.data.by);
        const alert = await update(s.notifications.alerts, id, (a) =>
            a.state !== 'open' ? a : { ...a, state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by },
        );
        if (!alert) return problem(404, 'NOT_FOUND', `no alert ${id}`);
        return jsonOf(alertSchema, 200, alertView(alert));
    };
}

export function alertView(a: Alert): z.infer<typeof alertSchema> {
    return {
        id: a.id,
        groupKey: a.groupKey,
        title: a.title,
        failureClass: a.failureClass,
        owner: a.owner,
        count: a.count,
        firstAt: a.firstAt,
        lastAt: a.lastAt,
        state: a.state,
        level: a.level,
        ...(a.consoleLink !== undefined ? { consoleLink: a.consoleLink } : {}),
    };
}
