import type { Alert } from '../ports/alertStore';
import type { ChannelMessage, MailMessage } from '../ports/notifier';
import { escapeHtml } from './noticeTemplates';
import type { Contact } from './ownerRegistry';

export type CardReason = 'new' | 'update' | 'escalation';

const classLabel: Record<Alert['failureClass'], string> = {
    transient: 'Transient (retries exhausted)',
    defect: 'Defect',
    blocked: 'Business block',
    duplicate: 'Duplicate',
    deadLettered: 'Dead-lettered',
};

/** The Adaptive Card (1.4, what Teams renders in channels) for an alert: what, which objects, class, action, link. */
export function alertCard(alert: Alert, reason: CardReason, contact: Contact): Record<string, unknown> {
    const heading =
        reason === 'escalation'
            ? `Escalated (level ${alert.level}): ${alert.title}`
            : reason === 'update'
              ? `Still failing: ${alert.title}`
              : alert.title;
    const more = alert.count - alert.samples.length;
    const body: Record<string, unknown>[] = [
        { type: 'TextBlock', text: heading, weight: 'Bolder', size: 'Medium', wrap: true, color: 'Attention' },
        {
            type: 'FactSet',
            facts: [
                { title: 'Count', value: String(alert.count) },
                { title: 'Class', value: classLabel[alert.failureClass] },
                { title: 'Code', value: alert.code },
                { title: 'Owner', value: contact.displayName },
                { title: 'First', value: alert.firstAt },
                { title: 'Last', value: alert.lastAt },
            ],
        },
        {
            type: 'TextBlock',
            text: `Affected: ${alert.samples.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
            wrap: true,
        },
        { type: 'TextBlock', text: `Action required: ${alert.action}`, wrap: true, weight: 'Bolder' },
    ];
    return {
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.4',
        body,
        ...(alert.consoleLink
            ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in the console', url: alert.consoleLink }] }
            : {}),
    };
}

export function alertChannelMessage(alert: Alert, reason: CardReason, contact: Contact): ChannelMessage {
    return {
        teamId: contact.teamId,
        channelId: contact.channelId,
        card: alertCard(alert, reason, contact),
        summary: `${alert.title} (${alert.count})`,
    };
}

/** The e-mail to the owner's mailbox for record failures (payment postings, handover notices). */
export function alertMail(alert: Alert, reason: CardReason, contact: Contact): MailMessage {
    const prefix = reason === 'escalation' ? `[Escalated L${alert.level}] ` : '';
    const items = alert.samples.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
    const more = alert.count - alert.samples.length;
    const link = alert.consoleLink
        ? `<p><a href="${escapeHtml(alert.consoleLink)}">Open in the integration console</a></p>`
        : '';
    return {
        to: [contact.email],
        subject: `${prefix}${alert.title} (${alert.count})`,
        html:
            `<p><strong>${escapeHtml(alert.title)}</strong></p>` +
            `<p>Class: ${escapeHtml(classLabel[alert.failureClass])} · Code: ${escapeHtml(alert.code)} · ` +
            `Count: ${alert.count} · Since: ${escapeHtml(alert.firstAt)}</p>` +
            `<ul>${items}${more > 0 ? `<li>and ${more} more</li>` : ''}</ul>` +
            `<p><strong>Action required:</strong> ${escapeHtml(alert.action)}</p>${link}`,
    };
}
