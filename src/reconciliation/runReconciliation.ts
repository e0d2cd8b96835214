import { channelOwner, recordChannelFailure, recordChannelSuccess } from '../notifications/channelFailures';
import { escapeHtml } from '../notifications/noticeTemplates';
import { contactOf, type OwnerRegistry } from '../notifications/ownerRegistry';
import type { AlertStore } from '../ports/alertStore';
import type { CrmTableReader } from '../ports/crmClient';
import type { ErpReporting } from '../ports/erpReporting';
import type { Logger } from '../ports/logger';
import type { ChannelMessage, MailMessage, Notifier } from '../ports/notifier';
import type { RecognitionRule } from './recognitionRule';
import { type ReconcileDeps, reconcilePeriod } from './reconcilePeriod';
import type { ReconciliationReport } from './reconciliationReport';
import type { ReportArchive, StoredReportEntry } from './reportArchive';

/** What the composition roots provide for reconciliation. */
export interface ReconciliationServices {
    reporting: ErpReporting;
    reader: CrmTableReader;
    rule: RecognitionRule;
    /** The report container, opened on first use (Blob Storage being down never stops intake). */
    reports: () => Promise<ReportArchive>;
    /** The end-of-day channel the summary goes to; none = no post. */
    channel?: { teamId: string; channelId: string };
}

export type RunDeps = Omit<ReconcileDeps, 'crmTables' | 'erpReporting' | 'recognitionRule'> & {
    reconciliation: ReconciliationServices;
    notifier: Pick<Notifier, 'postToChannel' | 'sendMail'>;
    /** Where a channel post that failed is recorded as an alert, and who gets the summary by mail instead. */
    notifications: { alerts: AlertStore; owners: OwnerRegistry; consoleBaseUrl?: string };
    logger: Logger;
};

/** The registry contact the reconciliation channel's summary is mailed to when the channel cannot be posted to. */
const reconciliationOwner = 'finance';

export interface RunResult {
    report: ReconciliationReport;
    stored: StoredReportEntry;
    /** Whether the channel summary went out (`false` without a channel or when Graph refused; the report is stored either way). */
    posted: boolean;
    postError?: string;
    /** When the post failed: the summary was mailed to the channel's owner instead (or that failed too). */
    fallback?: 'mailed' | 'mailFailed';
}

/** Reconciles a period, stores the report (Markdown, CSV, JSON) and posts its summary to the end-of-day channel. */
export async function runReconciliation(
    period: string,
    project: string | undefined,
    deps: RunDeps,
): Promise<RunResult> {
    const r = deps.reconciliation;
    const report = await reconcilePeriod(period, project, {
        ...deps,
        crmTables: r.reader,
        erpReporting: r.reporting,
        recognitionRule: r.rule,
    });
    const stored = await (await r.reports()).save(report);
    if (!r.channel) return { report, stored, posted: false };
    const alertDeps = { ...deps.notifications, clock: deps.clock, logger: deps.logger };
    const message = channelSummary(report, r.channel);
    try {
        await deps.notifier.postToChannel(message);
    } catch (e) {
        const postError = e instanceof Error ? e.message : String(e);
        await recordChannelFailure(alertDeps, r.channel, e, `reconciliation ${report.id}`);
        const owner =
            channelOwner(deps.notifications.owners, r.channel) ??
            contactOf(deps.notifications.owners, reconciliationOwner);
        try {
            await deps.notifier.sendMail(summaryMail(message, owner.email, report.id));
            return { report, stored, posted: false, postError, fallback: 'mailed' };
        } catch (mailError) {
            deps.logger.error('reconciliation summary not delivered', {
                reportId: report.id,
                error: mailError instanceof Error ? mailError.message : String(mailError),
            });
            return { report, stored, posted: false, postError, fallback: 'mailFailed' };
        }
    }
    await recordChannelSuccess(alertDeps, r.channel);
    return { report, stored, posted: true };
}

/** The channel summary as an e-mail: the same facts, for when the channel cannot be posted to. */
function summaryMail(message: ChannelMessage, to: string, reportId: string): MailMessage {
    const body = (message.card.body ?? []) as {
        type: string;
        text?: string;
        facts?: { title: string; value: string }[];
    }[];
    const facts = body.flatMap((b) => b.facts ?? []);
    const rows = facts.map((f) => `<tr><td>${escapeHtml(f.title)}</td><td>${escapeHtml(f.value)}</td></tr>`).join('');
    return {
        to: [to],
        subject: message.summary,
        html:
            `<p><strong>${escapeHtml(message.summary)}</strong></p><table>${rows}</table>` +
            `<p>Report ${escapeHtml(reportId)}. Sent by e-mail because the Teams channel could not be posted to.</p>`,
    };
}

const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The Adaptive Card for the channel: verdict, the expected gap, and who must act on what. No personal data. */
export function channelSummary(
    report: ReconciliationReport,
    channel: { teamId: string; channelId: string },
): ChannelMessage {
    const t = report.totals;
    const byOwner = new Map<string, number>();
    for (const f of report.findings) byOwner.set(f.owner, (byOwner.get(f.owner) ?? 0) + 1);
    const verdict = report.balanced ? 'balanced' : 'NOT balanced';
    const summary = `Reconciliation ${report.period}${report.project ? ` ${report.project}` : ''}: ${verdict}`;
    return {
        ...channel,
        summary,
        card: {
            type: 'AdaptiveCard',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            version: '1.4',
            body: [
                { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: summary, wrap: true },
                {
                    type: 'FactSet',
                    facts: [
                        { title: 'Reserved value (CRM)', value: money(t.reservedValue.crm) },
                        { title: 'Recognised (ERP)', value: money(t.recognition.erp) },
                        { title: 'Expected gap (construction %)', value: money(t.expectedGap) },
                        { title: 'Unexplained', value: money(t.unexplainedGap) },
                        { title: 'Receipts CRM / ERP', value: `${money(t.receipts.crm)} / ${money(t.receipts.erp)}` },
                        { title: 'Buildings investigated', value: report.investigated.join(', ') || 'none' },
                        ...[...byOwner].map(([owner, n]) => ({ title: `To act: ${owner}`, value: `${n} record(s)` })),
                    ],
                },
                {
                    type: 'TextBlock',
                    text: `Report ${report.id} (rule ${report.ruleVersion}).`,
                    isSubtle: true,
                    wrap: true,
                },
            ],
        },
    };
}
