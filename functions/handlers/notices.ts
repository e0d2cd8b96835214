import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { runNotifications } from '../../src/notifications/notificationRun';
import type { Notice } from '../../src/ports/noticeStore';
import { noticeSchema, noticesResponseSchema } from '../api/noticeSchemas';
import { jsonOf } from '../api/typedJson';
import type { ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';

// The published shapes (functions/api/noticeSchemas.ts); re-exported for the callers that read them from here.
export { noticeSchema, noticesResponseSchema };

const maxListed = 500;

/** GET /api/notices: the handover notices, newest first, with their delivery state (never the owner's address). */
export function createNoticesHandler(services: ServicesProvider) {
    return async (): Promise<HttpResponseInit> => {
        const s = await services();
        const notices = await s.notifications.notices.list({ max: maxListed });
        return jsonOf(noticesResponseSchema, 200, { notices: notices.map(noticeView) });
    };
}

export function noticeView(n: Notice): z.infer<typeof noticeSchema> {
    // `sending` is a claim held for the length of one Graph call: to a reader it is still to be sent.
    const state = n.state === 'sending' ? (n.attempts > 1 ? 'retrying' : 'pending') : n.state;
    return {
        key: n.key,
        unitCode: n.unitCode,
        readyOn: n.readyOn,
        state,
        attempts: n.attempts,
        ...(n.lastError !== undefined ? { lastError: n.lastError } : {}),
        ...(n.sentAt !== undefined ? { sentAt: n.sentAt } : {}),
    };
}

/** Timer (NOTIFY_SCHEDULE): sends due handover notices, then raises, groups, escalates and delivers alerts. */
export function createNotifyTimerHandler(services: ServicesProvider) {
    return async (_timer: unknown, context: InvocationContext): Promise<void> => {
        const s = await services();
        const report = await runNotifications({
            ...s,
            ...s.notifications,
            logger: contextLogger(context),
        });
        const { notices, alerts } = report;
        if (notices.opened + notices.sent + notices.failed + alerts.raised + alerts.cardsPosted + alerts.resolved > 0) {
            context.log(`notifications ${JSON.stringify(report)}`);
        }
    };
}
