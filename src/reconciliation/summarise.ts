import type { ErpBuildingFigures } from '../ports/erpReporting';
import type { CrmBooks, CrmRecord } from './crmBooks';
import { expectedRecognition, type RecognitionRule, withinTolerance } from './recognitionRule';
import type { BuildingSummary, Measure } from './reconciliationReport';

const cents = (n: number) => Math.round(n * 100) / 100;
export const periodEnd = (period: string) => `${period}-31`;

export function measure(rule: RecognitionRule, crm: number, erp: number): Measure {
    const difference = cents(erp - crm);
    return { crm: cents(crm), erp: cents(erp), difference, withinTolerance: withinTolerance(rule, crm, difference) };
}

/** The CRM's construction % for a building as of a period: its latest report for that period or an earlier one. */
export function crmProgress(
    books: CrmBooks,
    buildingCode: string,
    period: string,
): { percent: number; period: string | null } {
    let best: { percent: number; period: string | null; reportedOn: string } = {
        percent: 0,
        period: null,
        reportedOn: '',
    };
    for (const p of books.progress) {
        if (p.buildingCode !== buildingCode || p.period > period) continue;
        const later =
            best.period === null ||
            p.period > best.period ||
            (p.period === best.period && p.reportedOn >= best.reportedOn);
        if (later) best = { percent: p.percentComplete, period: p.period, reportedOn: p.reportedOn };
    }
    return { percent: best.percent, period: best.period };
}

/** The reservations the rule counts as sold at the end of the period. */
export function countedReservations(rule: RecognitionRule, records: CrmRecord[], period: string): CrmRecord[] {
    const end = periodEnd(period);
    return records.filter(
        (r) =>
            r.type === 'reservation' &&
            (rule.reservationStatuses as string[]).includes(r.status) &&
            r.date !== null &&
            r.date <= end,
    );
}

/** Compares one building's CRM figures with the ERP's, and splits the gap into the expected part and the rest. */
export function summariseBuilding(
    rule: RecognitionRule,
    books: CrmBooks,
    place: { projectCode: string; buildingCode: string },
    erp: ErpBuildingFigures | undefined,
    period: string,
): BuildingSummary {
    const end = periodEnd(period);
    const records = books.records.filter((r) => r.buildingCode === place.buildingCode);
    const counted = countedReservations(rule, records, period);
    const countedNumbers = new Set(counted.map((r) => r.reservationNumber));
    const progress = crmProgress(books, place.buildingCode, period);
    const sum = (items: CrmRecord[], pick: (r: CrmRecord) => number) => cents(items.reduce((s, r) => s + pick(r), 0));
    const reserved = sum(counted, (r) => r.amount);
    const expected = sum(counted, (r) => expectedRecognition(r.amount, progress.percent));
    const instalments = records.filter((r) => r.type === 'instalment' && countedNumbers.has(r.reservationNumber));
    const receipts = records.filter((r) => r.type === 'receipt' && r.date !== null && r.date <= end);
    const e = erp ?? {
        percentComplete: 0,
        progressPeriod: null,
        reservations: 0,
        contractValue: 0,
        bookingAmount: 0,
        invoiced: 0,
        received: 0,
        allocated: 0,
        onAccount: 0,
        recognisedRevenue: 0,
    };
    const summary: Omit<BuildingSummary, 'status'> = {
        ...place,
        percentComplete: {
            crm: progress.percent,
            erp: e.percentComplete,
            crmPeriod: progress.period,
            erpPeriod: e.progressPeriod,
        },
        reservations: { crm: counted.length, erp: e.reservations },
        reservedValue: measure(rule, reserved, e.contractValue),
        bookingAmount: measure(
            rule,
            sum(counted, (r) => r.bookingAmount ?? 0),
            e.bookingAmount,
        ),
        instalments: measure(
            rule,
            sum(instalments, (r) => r.amount),
            e.invoiced,
        ),
        receipts: measure(
            rule,
            sum(receipts, (r) => r.amount),
            e.received,
        ),
        erpAllocation: { allocated: e.allocated, onAccount: e.onAccount },
        recognition: measure(rule, expected, e.recognisedRevenue),
        expectedGap: cents(reserved - expected),
        unexplainedGap: cents(reserved - e.recognisedRevenue - (reserved - expected)),
    };
    const abnormal =
        [summary.reservedValue, summary.bookingAmount, summary.instalments, summary.receipts, summary.recognition].some(
            (m) => !m.withinTolerance,
        ) ||
        summary.reservations.crm !== summary.reservations.erp ||
        summary.percentComplete.crm !== summary.percentComplete.erp;
    return { ...summary, status: abnormal ? 'abnormal' : 'balanced' };
}
