import { stringify } from 'csv-stringify/sync';
import type { Measure, ReconciliationReport } from './reconciliationReport';

const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
// One table cell per measure: CRM / ERP / difference.
const cell = (m: Measure) =>
    `${money(m.crm)} / ${money(m.erp)} / ${money(m.difference)}${m.withinTolerance ? '' : ' ⚠'}`;

export const csvColumns = [
    'period',
    'kind',
    'projectCode',
    'buildingCode',
    'type',
    'reference',
    'sourceRecordId',
    'crmAmount',
    'erpAmount',
    'crmStatus',
    'erpStatus',
    'transactionId',
    'state',
    'condition',
    'owner',
    'repushable',
    'action',
] as const;

/** The record-level lines as CSV (one row per finding; a header even when there are none). */
export function reportCsv(report: ReconciliationReport): string {
    return stringify(
        report.findings.map((f) => ({ period: report.period, ...f })),
        { header: true, columns: [...csvColumns], cast: { boolean: (b) => String(b) } },
    );
}

/** The readable report: verdict, per-building summary, the expected gap, and what to do about each finding. */
export function reportMarkdown(report: ReconciliationReport): string {
    const t = report.totals;
    const lines = [
        `# Reconciliation ${report.period}${report.project ? ` — project ${report.project}` : ''}`,
        '',
        `**${report.balanced ? 'Balanced' : 'Not balanced'}.** Generated ${report.generatedAt} with recognition rule ${report.ruleVersion}.`,
        '',
        report.balanced
            ? `The CRM's reserved value (${money(t.reservedValue.crm)}) exceeds the revenue the ERP recognised (${money(t.recognition.erp)}) by ${money(t.expectedGap)}, which construction % complete explains in full: revenue follows construction, not the booking date.`
            : `${report.findings.length} record-level finding(s) in ${report.investigated.join(', ')}; ${money(t.unexplainedGap)} of the gap is not explained by construction %.`,
        '',
        '## Summary by building',
        '',
        '| project | building | % (CRM / ERP) | reservations (CRM / ERP) | reserved value: CRM / ERP / diff | booking amounts: CRM / ERP / diff | plans vs invoiced | receipts: CRM / ERP received / diff | recognition expected / ERP / diff | expected gap | unexplained | status |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|',
        ...report.buildings.map(
            (b) =>
                `| ${b.projectCode} | ${b.buildingCode} | ${b.percentComplete.crm} / ${b.percentComplete.erp} | ${b.reservations.crm} / ${b.reservations.erp} | ${cell(b.reservedValue)} | ${cell(b.bookingAmount)} | ${cell(b.instalments)} | ${cell(b.receipts)} | ${cell(b.recognition)} | ${money(b.expectedGap)} | ${money(b.unexplainedGap)} | ${b.status} |`,
        ),
        `| **total** | | | | ${cell(t.reservedValue)} | ${cell(t.bookingAmount)} | ${cell(t.instalments)} | ${cell(t.receipts)} | ${cell(t.recognition)} | ${money(t.expectedGap)} | ${money(t.unexplainedGap)} | ${report.balanced ? 'balanced' : 'abnormal'} |`,
        '',
        'Differences are ERP − CRM; ⚠ marks one beyond the tolerance. The ERP allocated receipts as follows: ' +
            report.buildings
                .map(
                    (b) =>
                        `${b.buildingCode} ${money(b.erpAllocation.allocated)} to invoices, ${money(b.erpAllocation.onAccount)} on account`,
                )
                .join('; ') +
            '.',
        '',
    ];
    if (report.findings.length > 0) {
        lines.push(
            '## Record-level findings',
            '',
            '| kind | building | record | CRM | ERP | transaction | state | waits on | owner | what to do |',
            '|---|---|---|---|---|---|---|---|---|---|',
            ...report.findings.map(
                (f) =>
                    `| ${f.kind} | ${f.buildingCode} | ${f.type} ${f.reference} | ${f.crmAmount ?? '—'}${f.crmStatus ? ` (${f.crmStatus})` : ''} | ${f.erpAmount ?? '—'}${f.erpStatus ? ` (${f.erpStatus})` : ''} | ${f.transactionId ?? '—'} | ${f.state ?? '—'} | ${f.condition ?? '—'} | ${f.owner} | ${f.action.replaceAll('|', '/')}${f.repushable ? ' (re-push available)' : ''} |`,
            ),
            '',
        );
    }
    return lines.join('\n');
}
