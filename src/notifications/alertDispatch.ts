import type { Alert, AlertStore } from '../ports/alertStore';
import type { Clock } from '../ports/clock';
import { isGraphThrottledError } from '../ports/graphErrors';
import type { Logger } from '../ports/logger';
import type { Notifier } from '../ports/notifier';
import { alertChannelMessage, alertMail, type CardReason } from './alertCards';
import { raiseAlert, update } from './alertRecords';
import type { AlertSignal, CollectedSignals } from './alertSignals';
import { recordChannelFailure, recordChannelSuccess } from './channelFailures';
import { contactOf, type OwnerRegistry } from './ownerRegistry';

export { update };

export interface AlertDeps {
    alerts: AlertStore;
    notifier: Notifier;
    owners: OwnerRegistry;
    clock: Clock;
    logger: Logger;
    /** The console page (`https://<app>/api/console`): each alert links to `<page>#alert=<id>`. */
    consoleBaseUrl?: string;
}

export interface AlertRunReport {
    raised: number;
    grown: number;
    resolved: number;
    escalated: number;
    cardsPosted: number;
    mailsSent: number;
    throttledUntil?: string;
}

/**
 * Turns the signals of one scan into grouped alerts and tells the owners: one alert per group key with a count
 * (members are counted once, so re-scanning changes nothing), resolved when its group is no longer seen, escalated
 * along the owner registry when nobody acknowledges in time, and delivered as one card per alert per level (plus an
 * update at most every `updateEveryMinutes` while the count grows). Idempotent: run it as often as you like.
 */
export async function dispatchAlerts(deps: AlertDeps, collected: CollectedSignals): Promise<AlertRunReport> {
    const report: AlertRunReport = { raised: 0, grown: 0, resolved: 0, escalated: 0, cardsPosted: 0, mailsSent: 0 };
    const groups = new Map<string, AlertSignal[]>();
    for (const s of collected.signals) {
        const group = groups.get(s.groupKey);
        if (group) group.push(s);
        else groups.set(s.groupKey, [s]);
    }
    for (const [groupKey, signals] of groups) await raiseAlert(deps, groupKey, signals, report);
    const unresolved = await deps.alerts.list({ unresolvedOnly: true, max: 10_000 });
    for (const alert of unresolved) {
        // A channel failure is not found by the scan: the next post to that channel that succeeds resolves it.
        if (!groups.has(alert.groupKey) && !collected.truncated && alert.point !== 'teamsChannel') {
            const resolved = await update(deps.alerts, alert.id, (a) => ({
                ...a,
                state: 'resolved',
                resolvedAt: deps.clock.now().toISOString(),
            }));
            if (resolved) report.resolved += 1;
            continue;
        }
        if (report.throttledUntil !== undefined) continue;
        await escalateAndDeliver(deps, alert.id, report);
    }
    return report;
}

async function escalateAndDeliver(deps: AlertDeps, id: string, report: AlertRunReport): Promise<void> {
    const now = deps.clock.now();
    let alert = await deps.alerts.get(id);
    if (!alert) return;
    if (alert.deliverAfter !== undefined && Date.parse(alert.deliverAfter) > now.getTime()) return;
    const contact = contactOf(deps.owners, alert.contact);
    const overdue =
        contact.escalateTo !== undefined &&
        contact.escalateAfterMinutes !== undefined &&
        now.getTime() - Date.parse(alert.levelSince) >= contact.escalateAfterMinutes * 60_000;
    let reason: CardReason | undefined;
    if (alert.state === 'open' && overdue && contact.escalateTo !== undefined) {
        const next = contact.escalateTo;
        const escalated = await update(deps.alerts, id, (a) => {
            const { lastPostedAt: _posted, ...rest } = a;
            return { ...rest, contact: next, level: a.level + 1, levelSince: now.toISOString(), postedCount: 0 };
        });
        if (!escalated) return;
        report.escalated += 1;
        deps.logger.warn('alert escalated', { alertId: id, level: escalated.level, contact: next });
        alert = escalated;
        reason = 'escalation';
    } else if (alert.lastPostedAt === undefined) {
        reason = alert.level > 0 ? 'escalation' : 'new';
    } else if (
        alert.count > alert.postedCount &&
        now.getTime() - Date.parse(alert.lastPostedAt) >= deps.owners.alerting.updateEveryMinutes * 60_000
    ) {
        reason = 'update';
    }
    const mail = alert.email && alert.mailedLevel !== alert.level;
    if (reason === undefined && !mail) return;
    await deliver(deps, alert, reason, mail, report);
}

/**
 * The card (new, update or escalation) and, for record failures, the e-mail of the current level: each is tried on
 * its own (a channel the Teams app cannot post to must not keep the owner's e-mail back; for other alerts the
 * e-mail is then the fallback, once per level) and recorded once Graph accepted it, so a failure of one is retried on the next pass without repeating the other. A crash between Graph's
 * answer and the record repeats that one message: for alerts a repeat is better than a miss (the opposite choice
 * from the owner's notice).
 */
async function deliver(
    deps: AlertDeps,
    alert: Alert,
    reason: CardReason | undefined,
    mail: boolean,
    report: AlertRunReport,
): Promise<void> {
    const contact = contactOf(deps.owners, alert.contact);
    const now = deps.clock.now();
    const failures: unknown[] = [];
    let mailNow = mail;
    if (reason !== undefined) {
        try {
            const { messageId } = await deps.notifier.postToChannel(alertChannelMessage(alert, reason, contact));
            report.cardsPosted += 1;
            await update(deps.alerts, alert.id, (a) => ({
                ...a,
                postedCount: alert.count,
                lastPostedAt: now.toISOString(),
                lastMessageId: messageId,
            }));
            await recordChannelSuccess(deps, contact);
        } catch (e) {
            failures.push(e);
            if (!isGraphThrottledError(e)) {
                // The owner hears by e-mail (once per level) while the channel cannot be posted to; the card is
                // still retried every pass, and the channel's failure is an alert of its own.
                mailNow ||= alert.mailedLevel !== alert.level;
                await recordChannelFailure(deps, contact, e, `alert ${alert.id} level ${alert.level}`);
            }
        }
    }
    if (mailNow) {
        try {
            await deps.notifier.sendMail(alertMail(alert, alert.level > 0 ? 'escalation' : 'new', contact));
            report.mailsSent += 1;
            await update(deps.alerts, alert.id, (a) => ({ ...a, mailedLevel: alert.level }));
        } catch (e) {
            failures.push(e);
        }
    }
    if (failures.length === 0) {
        await update(deps.alerts, alert.id, (a) => {
            const { deliverAfter: _d, lastDeliveryError: _e, ...rest } = a;
            return rest;
        });
        return;
    }
    const throttled = failures.filter(isGraphThrottledError);
    const retryAfterMs = Math.max(
        60_000 * (throttled.length < failures.length ? 1 : 0),
        ...throttled.map((e) => e.retryAfterMs ?? 60_000),
    );
    const deliverAfter = new Date(now.getTime() + retryAfterMs).toISOString();
    const error = failures.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    await update(deps.alerts, alert.id, (a) => ({ ...a, deliverAfter, lastDeliveryError: error }));
    if (throttled.length > 0) report.throttledUntil = deliverAfter;
    deps.logger.error('alert not delivered', { alertId: alert.id, contact: alert.contact, error });
}
