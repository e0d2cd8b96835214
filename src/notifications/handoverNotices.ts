import type { FailureClass } from '../domain/failure';
import type { Clock } from '../ports/clock';
import type { CrmClient } from '../ports/crmClient';
import { isCrmThrottledError } from '../ports/crmErrors';
import { isGraphRequestError, isGraphThrottledError, isGraphUnavailableError } from '../ports/graphErrors';
import type { Handover, HandoverStore } from '../ports/handoverStore';
import type { Logger } from '../ports/logger';
import type { Notice, NoticeStore } from '../ports/noticeStore';
import type { Notifier } from '../ports/notifier';
import { languageOf, type NoticeTemplates, renderNotice } from './noticeTemplates';

export interface NoticeDeps {
    handovers: HandoverStore;
    notices: NoticeStore;
    crm: CrmClient;
    notifier: Notifier;
    templates: NoticeTemplates;
    clock: Clock;
    logger: Logger;
}

export interface NoticeRunReport {
    opened: number;
    sent: number;
    retrying: number;
    failed: number;
    /** Graph answered 429: the rest of the run was left for after its Retry-After. */
    throttledUntil?: string;
}

/** Every handover a developer will ever hand over fits: listing is bounded only to stay finite. */
const allHandovers = 1_000_000;

/** How one send ended: what the notice becomes. */
type Outcome =
    | { kind: 'sent'; language: string }
    | { kind: 'retry'; error: string; retryAfterMs?: number; pauseRun?: boolean }
    | { kind: 'failed'; error: string; failureClass: FailureClass; code: string };

/**
 * Sends the owner's handover notice for every handover not yet notified, at most once per handover: a notice is
 * claimed (`sending`) before Graph is called, so a crash mid-send is never followed by a second mail; a notice that
 * cannot be sent after its retries is `failed`, which the alert dispatcher turns into an incident for the owner team.
 */
export async function sendHandoverNotices(deps: NoticeDeps, scanMax = 1000): Promise<NoticeRunReport> {
    const report: NoticeRunReport = { opened: 0, sent: 0, retrying: 0, failed: 0 };
    // A handover stays `pending` in the handover store (its port has no update), so every pending handover is listed
    // and compared with the notices already made: two scans per pass, no write for a handover already noticed.
    const known = new Set((await deps.notices.list({ max: allHandovers })).map((n) => n.key));
    for (const handover of await deps.handovers.listPending(allHandovers)) {
        if (known.has(handover.key)) continue;
        if ((await deps.notices.create(noticeFor(handover, deps.clock.now().toISOString()))) === 'created') {
            report.opened += 1;
        }
    }
    const open = (await deps.notices.list({ openOnly: true, max: scanMax })).sort((a, b) =>
        a.createdAt.localeCompare(b.createdAt),
    );
    for (const notice of open) {
        const now = deps.clock.now();
        if (report.throttledUntil !== undefined) break;
        if (notice.state === 'sending') {
            const age = now.getTime() - Date.parse(notice.updatedAt);
            if (age < deps.templates.delivery.staleSendingMinutes * 60_000) continue;
            const error = 'cut off while sending: Graph may or may not have sent it, so it is not sent again';
            const failed = await settle(deps, notice, {
                kind: 'failed',
                error,
                failureClass: 'transient',
                code: 'NOTICE_OUTCOME_UNKNOWN',
            });
            if (failed) report.failed += 1;
            continue;
        }
        if (notice.nextAttemptAt !== undefined && Date.parse(notice.nextAttemptAt) > now.getTime()) continue;
        const outcome = await attempt(deps, notice);
        if (outcome === undefined) continue;
        const settled = await settle(deps, outcome.claimed, outcome.result);
        if (!settled) continue;
        if (settled.state === 'sent') report.sent += 1;
        else if (settled.state === 'failed') report.failed += 1;
        else report.retrying += 1;
        if (outcome.result.kind === 'retry' && outcome.result.pauseRun) report.throttledUntil = settled.nextAttemptAt;
    }
    return report;
}

function noticeFor(handover: Handover, at: string): Notice {
    return {
        key: handover.key,
        unitId: handover.unitId,
        unitCode: handover.unitCode,
        readyOn: handover.readyOn,
        ownerId: handover.ownerId,
        state: 'pending',
        attempts: 0,
        createdAt: at,
        updatedAt: at,
        version: 0,
    };
}

/** Reads the owner, claims the notice and sends it; undefined when another run claimed it first. */
async function attempt(deps: NoticeDeps, notice: Notice): Promise<{ claimed: Notice; result: Outcome } | undefined> {
    if (notice.ownerId === null) {
        const error = 'the unit has no owner in the CRM';
        return { claimed: notice, result: { kind: 'failed', error, failureClass: 'defect', code: 'NOTICE_NO_OWNER' } };
    }
    let owner: { email: string; name: string; language: string | undefined } | undefined;
    try {
        // The whole row, not a $select: the language column is optional and a $select naming a column the table
        // does not have is refused by Dataverse. Nothing of it is logged.
        const row = await deps.crm.retrieve('contact', notice.ownerId);
        if (row === undefined) {
            const error = `owner contact ${notice.ownerId} does not exist in the CRM`;
            const result: Outcome = { kind: 'failed', error, failureClass: 'defect', code: 'NOTICE_OWNER_NOT_FOUND' };
            return { claimed: notice, result };
        }
        const email = typeof row.emailaddress1 === 'string' ? row.emailaddress1.trim() : '';
        if (email === '') {
            const error = `owner contact ${notice.ownerId} has no e-mail address`;
            return {
                claimed: notice,
                result: { kind: 'failed', error, failureClass: 'defect', code: 'NOTICE_NO_EMAIL' },
            };
        }
        const name = [row.fullname, row.firstname].find((v): v is string => typeof v === 'string' && v !== '') ?? '';
        const column = deps.templates.language?.column;
        owner = { email, name, language: column ? languageOf(deps.templates, row[column]) : undefined };
    } catch (e) {
        const retryAfterMs = isCrmThrottledError(e) ? e.retryAfterMs : undefined;
        const result: Outcome = { kind: 'retry', error: `reading the owner: ${message(e)}`, retryAfterMs };
        return { claimed: { ...notice, attempts: notice.attempts + 1 }, result };
    }
    const now = deps.clock.now().toISOString();
    const claimed: Notice = { ...notice, state: 'sending', attempts: notice.attempts + 1, updatedAt: now };
    if (!(await deps.notices.replace(claimed, notice.version))) return undefined;
    claimed.version = notice.version + 1;
    const rendered = renderNotice(deps.templates, owner.language, {
        ownerName: owner.name,
        unitCode: notice.unitCode,
        readyOn: notice.readyOn,
    });
    claimed.language = rendered.language;
    try {
        await deps.notifier.sendMail({ to: [owner.email], subject: rendered.subject, html: rendered.html });
        return { claimed, result: { kind: 'sent', language: rendered.language } };
    } catch (e) {
        return { claimed, result: classifySendError(e) };
    }
}

/** Which Graph answers prove nothing was sent (retry) and which leave it unknown or hopeless (fail). */
function classifySendError(e: unknown): Outcome {
    if (isGraphThrottledError(e)) {
        return { kind: 'retry', error: e.message, retryAfterMs: e.retryAfterMs, pauseRun: true };
    }
    if (isGraphUnavailableError(e) && e.status !== undefined) return { kind: 'retry', error: e.message };
    if (isGraphUnavailableError(e)) {
        // No answer (timeout, connection cut): Graph may have sent it. Never risk a second mail: someone checks.
        return { kind: 'failed', error: e.message, failureClass: 'transient', code: 'NOTICE_OUTCOME_UNKNOWN' };
    }
    if (isGraphRequestError(e)) {
        const code = `NOTICE_REJECTED_${(e.graphCode ?? String(e.status)).toUpperCase()}`;
        return { kind: 'failed', error: e.message, failureClass: 'defect', code };
    }
    return { kind: 'retry', error: message(e) };
}

async function settle(deps: NoticeDeps, notice: Notice, outcome: Outcome): Promise<Notice | undefined> {
    const now = deps.clock.now();
    let next: Notice;
    if (outcome.kind === 'sent') {
        next = {
            ...notice,
            state: 'sent',
            language: outcome.language,
            sentAt: now.toISOString(),
            updatedAt: now.toISOString(),
        };
        delete next.nextAttemptAt;
        delete next.lastError;
    } else if (outcome.kind === 'retry' && notice.attempts < deps.templates.delivery.maxAttempts) {
        const backoff = deps.templates.delivery.backoffMinutes;
        const waitMs = Math.max(
            (backoff[Math.min(notice.attempts, backoff.length) - 1] ?? backoff[0] ?? 1) * 60_000,
            outcome.retryAfterMs ?? 0,
        );
        next = {
            ...notice,
            state: 'retrying',
            lastError: outcome.error,
            nextAttemptAt: new Date(now.getTime() + waitMs).toISOString(),
            updatedAt: now.toISOString(),
        };
    } else {
        const failed =
            outcome.kind === 'failed'
                ? outcome
                : { error: `${outcome.error} (after ${notice.attempts} attempts)`, failureClass: 'transient' as const };
        next = {
            ...notice,
            state: 'failed',
            lastError: failed.error,
            failureClass: failed.failureClass,
            failureCode: outcome.kind === 'failed' ? outcome.code : 'NOTICE_RETRIES_EXHAUSTED',
            updatedAt: now.toISOString(),
        };
        delete next.nextAttemptAt;
    }
    if (!(await deps.notices.replace(next, notice.version))) return undefined;
    const fields = { key: notice.key, unitCode: notice.unitCode, attempts: next.attempts, state: next.state };
    if (next.state === 'failed') deps.logger.error(`handover notice failed: ${next.failureCode}`, fields);
    else if (next.state === 'retrying') deps.logger.warn('handover notice will be retried', fields);
    else deps.logger.info('handover notice sent', fields);
    return { ...next, version: notice.version + 1 };
}

function message(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}
