import { byReservation, sumOf } from './businessChecks';
import type { Finding } from './finding';
import type { MigrationPlan, PlannedRecord } from './migrationPlan';

export interface ProjectTotals {
    project: string;
    buildings: number;
    units: number;
    /** Reservations that hold their unit (not cancelled). */
    reservations: number;
    cancelled: number;
    reservedValue: number;
    bookingAmounts: number;
    planned: number;
    received: number;
    commissions: number;
}

export interface ReservationHistory {
    reservation: string;
    unit: string;
    status: number | null;
    planned: number;
    received: number;
    instalments: number;
    receipts: Array<{ receipt: string; on: string | null; amount: number }>;
}

export interface DryRunReport {
    number: number;
    createdAt: string;
    source: string;
    contentHash: string;
    mapVersion: string;
    /** No blocking finding: this dry run counts toward `--apply`. */
    clean: boolean;
    counts: Array<{ table: string; file: string; target: string; sourceRows: number; toLoad: number; merged: number }>;
    findingsByRule: Array<{ rule: string; blocks: boolean; findings: number; rows: number }>;
    findings: Finding[];
    totalsByProject: ProjectTotals[];
    tree: Array<{ project: string; buildings: Array<{ building: string; floors: Record<string, string[]> }> }>;
    paymentHistory: ReservationHistory[];
}

const cancelled = 100000001;
const round = (n: number) => Math.round(n * 100) / 100;

/** The dry run's report: what would be loaded, what was found, and the totals the business signs off. */
export function buildDryRunReport(
    plan: MigrationPlan,
    meta: { number: number; createdAt: string; source: string; contentHash: string; mapVersion: string },
): DryRunReport {
    const table = (id: string) => plan.tables.find((t) => t.rule.id === id);
    const records = (id: string) => table(id)?.records ?? [];
    const byRule = new Map<string, { rule: string; blocks: boolean; findings: number; rows: number }>();
    for (const f of plan.findings) {
        const entry = byRule.get(f.rule) ?? { rule: f.rule, blocks: f.blocks, findings: 0, rows: 0 };
        entry.findings += 1;
        entry.rows += f.rows.length;
        byRule.set(f.rule, entry);
    }
    // Rows whose parent is missing (orphans, blocking anyway) are totalled under `(unresolved)`.
    const buildingOf = new Map(records('building').map((b) => [b.key, b.refs.re_projectid?.key ?? '(unresolved)']));
    const unitBuilding = new Map(records('unit').map((u) => [u.key, u.refs.re_buildingid?.key ?? '(unresolved)']));
    const projectOfUnit = (unit: string) => buildingOf.get(unitBuilding.get(unit) ?? '') ?? '(unresolved)';
    const childrenOf = (id: string) => {
        const t = table(id);
        return t ? byReservation(t) : new Map<string, PlannedRecord[]>();
    };
    const plans = childrenOf('instalment');
    const paid = childrenOf('receipt');
    const claims = childrenOf('commission');

    const totals = new Map<string, ProjectTotals>();
    const totalsOf = (project: string): ProjectTotals => {
        let t = totals.get(project);
        if (!t) {
            t = {
                project,
                buildings: 0,
                units: 0,
                reservations: 0,
                cancelled: 0,
                reservedValue: 0,
                bookingAmounts: 0,
                planned: 0,
                received: 0,
                commissions: 0,
            };
            totals.set(project, t);
        }
        return t;
    };
    for (const p of records('project')) totalsOf(p.key);
    for (const b of records('building')) totalsOf(buildingOf.get(b.key) ?? '(unresolved)').buildings += 1;
    for (const u of records('unit')) totalsOf(projectOfUnit(u.key)).units += 1;
    const history: ReservationHistory[] = [];
    for (const r of records('reservation')) {
        const unit = r.refs.re_unitid?.key ?? '(unresolved)';
        const t = totalsOf(projectOfUnit(unit));
        const planned = sumOf(plans.get(r.key), 're_amount');
        const received = sumOf(paid.get(r.key), 're_amount');
        if (r.values.re_status === cancelled) t.cancelled += 1;
        else {
            t.reservations += 1;
            t.reservedValue += Number(r.values.re_value ?? 0);
        }
        t.bookingAmounts += Number(r.values.re_bookingamount ?? 0);
        t.planned += planned;
        t.received += received;
        t.commissions += sumOf(claims.get(r.key), 're_amount');
        history.push({
            reservation: r.key,
            unit,
            status: typeof r.values.re_status === 'number' ? r.values.re_status : null,
            planned,
            received,
            instalments: (plans.get(r.key) ?? []).length,
            receipts: (paid.get(r.key) ?? []).map((p) => ({
                receipt: p.key,
                on: typeof p.values.re_receivedon === 'string' ? p.values.re_receivedon.slice(0, 10) : null,
                amount: Number(p.values.re_amount ?? 0),
            })),
        });
    }
    for (const t of totals.values()) {
        for (const k of ['reservedValue', 'bookingAmounts', 'planned', 'received', 'commissions'] as const) {
            t[k] = round(t[k]);
        }
    }

    const tree = records('project').map((p) => ({
        project: p.key,
        buildings: records('building')
            .filter((b) => b.refs.re_projectid?.key === p.key)
            .map((b) => {
                const floors: Record<string, string[]> = {};
                for (const u of records('unit')) {
                    if (u.refs.re_buildingid?.key !== b.key) continue;
                    const floor = String(u.values.re_floor ?? '?');
                    const units = floors[floor] ?? [];
                    units.push(u.key);
                    floors[floor] = units;
                }
                return { building: b.key, floors };
            }),
    }));

    return {
        ...meta,
        clean: !plan.findings.some((f) => f.blocks),
        counts: plan.tables.map((t) => ({
            table: t.rule.id,
            file: t.rule.file,
            target: t.rule.target,
            sourceRows: t.sourceRows,
            toLoad: t.records.length,
            merged: t.records.reduce((s, r) => s + r.mergedFrom.length, 0),
        })),
        findingsByRule: [...byRule.values()].sort(
            (a, b) => Number(b.blocks) - Number(a.blocks) || a.rule.localeCompare(b.rule),
        ),
        findings: plan.findings,
        totalsByProject: [...totals.values()],
        tree,
        paymentHistory: history,
    };
}

const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The report as the business reads it; the JSON next to it holds every row (tree, every reservation's history). */
export function dryRunMarkdown(report: DryRunReport, sampleRows = 10): string {
    const lines: string[] = [];
    lines.push(`# Migration dry run ${String(report.number).padStart(3, '0')} — ${report.createdAt}`);
    lines.push('');
    lines.push(
        `Source \`${report.source}\`, content hash \`${report.contentHash.slice(0, 16)}\`, map ${report.mapVersion}.`,
    );
    lines.push(
        report.clean
            ? 'Result: **clean** (no blocking finding); this dry run counts toward the load.'
            : 'Result: **blocked**: the findings marked blocking must be fixed in the source before the load.',
    );
    lines.push(
        '',
        '## Rows per table',
        '',
        '| table | file | Dataverse table | source rows | to load | merged |',
        '|---|---|---|---:|---:|---:|',
    );
    for (const c of report.counts) {
        lines.push(`| ${c.table} | ${c.file} | ${c.target} | ${c.sourceRows} | ${c.toLoad} | ${c.merged} |`);
    }
    lines.push('', '## Findings', '');
    if (report.findings.length === 0) lines.push('None.');
    else {
        lines.push('| rule | blocks the load | findings | rows |', '|---|---|---:|---:|');
        for (const r of report.findingsByRule)
            lines.push(`| ${r.rule} | ${r.blocks ? 'yes' : 'no'} | ${r.findings} | ${r.rows} |`);
        lines.push('');
        for (const f of report.findings.slice(0, 50)) {
            const rows =
                f.rows.slice(0, sampleRows).join(', ') + (f.rows.length > sampleRows ? `, … (${f.rows.length})` : '');
            lines.push(`- **${f.rule}**${f.blocks ? ' (blocking)' : ''} ${f.message}: ${rows}`);
        }
        if (report.findings.length > 50) lines.push(`- … ${report.findings.length - 50} more in the JSON report`);
    }
    lines.push('', '## Totals per project (for sign-off)', '');
    lines.push(
        '| project | buildings | units | reservations | cancelled | reserved value | booking amounts | payment plans | received | commissions |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const t of report.totalsByProject) {
        lines.push(
            `| ${t.project} | ${t.buildings} | ${t.units} | ${t.reservations} | ${t.cancelled} | ${money(t.reservedValue)} | ${money(t.bookingAmounts)} | ${money(t.planned)} | ${money(t.received)} | ${money(t.commissions)} |`,
        );
    }
    lines.push('', '## Project → building → floor → unit', '');
    for (const p of report.tree) {
        lines.push(`- ${p.project}`);
        for (const b of p.buildings) {
            const floors = Object.entries(b.floors);
            const units = floors.reduce((s, [, u]) => s + u.length, 0);
            const first = floors[0];
            lines.push(
                `  - ${b.building}: ${floors.length} floors, ${units} units${first ? ` (floor ${first[0]}: ${first[1].join(', ')})` : ''}`,
            );
        }
    }
    lines.push(
        '',
        `## Payment history (first ${sampleRows} of ${report.paymentHistory.length} reservations; all in the JSON)`,
        '',
    );
    lines.push('| reservation | unit | instalments | plan | received | receipts |', '|---|---|---:|---:|---:|---|');
    for (const h of report.paymentHistory.slice(0, sampleRows)) {
        const receipts = h.receipts.map((r) => `${r.receipt} ${r.on ?? ''} ${money(r.amount)}`).join('; ');
        lines.push(
            `| ${h.reservation} | ${h.unit} | ${h.instalments} | ${money(h.planned)} | ${money(h.received)} | ${receipts} |`,
        );
    }
    lines.push('');
    return lines.join('\n');
}
