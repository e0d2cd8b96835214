import type { EntityMap } from '../mapping/entityMapSchema';
import type { Clock } from '../ports/clock';
import type { CrmTableReader } from '../ports/crmClient';
import type { ErpReporting } from '../ports/erpReporting';
import { readCrmBooks } from './crmBooks';
import { type InvestigationDeps, investigateBuilding, waitingBySource } from './investigate';
import type { RecognitionRule } from './recognitionRule';
import type { BuildingSummary, Finding, ReconciliationReport } from './reconciliationReport';
import { measure, summariseBuilding } from './summarise';

export interface ReconcileDeps extends InvestigationDeps {
    crmTables: CrmTableReader;
    entityMap: EntityMap;
    erpReporting: ErpReporting;
    recognitionRule: RecognitionRule;
    clock: Clock;
}

export const periodPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * Reconciliation at financial close: the CRM's reserved value, booking amounts, payment plans and receipts against
 * the ERP's contract value, invoices, receipts and recognised revenue, per project and building, as at the end of
 * the period. The expected gap (revenue follows construction %) is computed from the CRM's reported progress with
 * the configured rule; only buildings whose difference is beyond the tolerance are investigated record by record.
 */
export async function reconcilePeriod(
    period: string,
    project: string | undefined,
    deps: ReconcileDeps,
): Promise<ReconciliationReport> {
    if (!periodPattern.test(period)) throw new RangeError(`period must be YYYY-MM, got "${period}"`);
    const rule = deps.recognitionRule;
    const [crm, erp] = await Promise.all([
        readCrmBooks(deps.crmTables, deps.entityMap, project),
        deps.erpReporting.buildingFigures(period),
    ]);
    const erpByBuilding = new Map(erp.map((b) => [b.buildingCode, b]));
    const places = new Map(crm.buildings.map((b) => [b.buildingCode, b]));
    // Records whose building the CRM cannot place still count, under `(unknown)`.
    for (const r of crm.records) if (!places.has(r.buildingCode)) places.set(r.buildingCode, r);
    // ERP buildings the CRM does not know: only when reconciling everything (a project filter cannot place them).
    if (project === undefined) {
        for (const b of erp)
            if (!places.has(b.buildingCode))
                places.set(b.buildingCode, { projectCode: '(unknown)', buildingCode: b.buildingCode });
    }
    const buildings: BuildingSummary[] = [...places.values()]
        .map((p) =>
            summariseBuilding(
                rule,
                crm,
                { projectCode: p.projectCode, buildingCode: p.buildingCode },
                erpByBuilding.get(p.buildingCode),
                period,
            ),
        )
        // A building with nothing on either side has nothing to reconcile.
        .filter(
            (b) =>
                b.reservations.crm + b.reservations.erp + b.receipts.crm + b.receipts.erp > 0 ||
                b.status === 'abnormal',
        )
        .sort((a, b) => a.projectCode.localeCompare(b.projectCode) || a.buildingCode.localeCompare(b.buildingCode));

    const findings: Finding[] = [];
    const investigated: string[] = [];
    const abnormal = buildings.filter((b) => b.status === 'abnormal');
    const waiting = abnormal.length > 0 ? await waitingBySource(deps) : new Map();
    for (const building of abnormal) {
        investigated.push(building.buildingCode);
        const erpRecords = await deps.erpReporting.records(period, building.buildingCode);
        findings.push(...(await investigateBuilding(rule, building, crm, erpRecords, period, waiting, deps)));
    }

    const total = (pick: (b: BuildingSummary) => { crm: number; erp: number }) =>
        measure(
            rule,
            buildings.reduce((s, b) => s + pick(b).crm, 0),
            buildings.reduce((s, b) => s + pick(b).erp, 0),
        );
    const cents = (n: number) => Math.round(n * 100) / 100;
    const generatedAt = deps.clock.now().toISOString();
    return {
        id: `${period}${project ? `-${project}` : ''}-${generatedAt.replace(/[-:.]/g, '').slice(0, 18)}`,
        period,
        project: project ?? null,
        generatedAt,
        ruleVersion: rule.version,
        balanced: buildings.every((b) => b.status === 'balanced'),
        totals: {
            reservedValue: total((b) => b.reservedValue),
            bookingAmount: total((b) => b.bookingAmount),
            instalments: total((b) => b.instalments),
            receipts: total((b) => b.receipts),
            recognition: total((b) => b.recognition),
            expectedGap: cents(buildings.reduce((s, b) => s + b.expectedGap, 0)),
            unexplainedGap: cents(buildings.reduce((s, b) => s + b.unexplainedGap, 0)),
        },
        buildings,
        investigated,
        findings,
    };
}
