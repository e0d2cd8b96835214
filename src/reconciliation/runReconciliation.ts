import type { CrmTableReader } from '../ports/crmClient';
import type { ErpReporting } from '../ports/erpReporting';
import type { ChannelMessage, Notifier } from '../ports/notifier';
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
    notifier: Pick<Notifier, 'postToChannel'>;
};

export interface RunResult {
    report: ReconciliationReport;
    stored: StoredReportEntry;
    /** Whether the channel summary went out (`false` without a channel or when Graph refused; the report is stored either way). */
    posted: boolean;
    postError?: string;
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
    try {
        await deps.notifier.postToChannel(channelSummary(report, r.channel));
        return { report, stored, posted: true };
    } catch (e) {
        return { report, stored, posted: false, postError: e instanceof Error ? e.message : String(e) };
    }
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
