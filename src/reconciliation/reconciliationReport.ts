import type { Owner } from '../domain/failure';

/** One figure compared: what the CRM says, what the ERP says, and whether the difference is within tolerance. */
export interface Measure {
    crm: number;
    erp: number;
    /** ERP − CRM. */
    difference: number;
    withinTolerance: boolean;
}

/** A building at close: the CRM and ERP figures side by side, and the gap construction % explains. */
export interface BuildingSummary {
    projectCode: string;
    buildingCode: string;
    /** Construction % the CRM reports for the period and the one the ERP recognises at. */
    percentComplete: { crm: number; erp: number; crmPeriod: string | null; erpPeriod: string | null };
    reservations: { crm: number; erp: number };
    /** Total reserved unit value (active and contracted reservations) against the ERP's contract value. */
    reservedValue: Measure;
    bookingAmount: Measure;
    /** The payment plans of those reservations against the ERP's instalment invoices. */
    instalments: Measure;
    /** Receipts recorded in the CRM against receipts the ERP received. */
    receipts: Measure;
    /** How the ERP split the receipts: allocated to invoices, kept on account. */
    erpAllocation: { allocated: number; onAccount: number };
    /** Recognition the rule expects from the CRM (value × CRM %) against what the ERP recognised. */
    recognition: Measure;
    /** Reserved value not yet recognised because construction is not complete: the normal, expected gap. */
    expectedGap: number;
    /** CRM reserved value − ERP recognised revenue − expected gap: what construction % does not explain. */
    unexplainedGap: number;
    status: 'balanced' | 'abnormal';
}

export type FindingKind =
    | 'pending'
    | 'missingInErp'
    | 'noCrmSource'
    | 'amountMismatch'
    | 'statusMismatch'
    | 'progressMismatch';

/** A record-level line of an abnormal building: what differs, why, and who must act. */
export interface Finding {
    kind: FindingKind;
    projectCode: string;
    buildingCode: string;
    type: 'reservation' | 'instalment' | 'receipt' | 'constructionProgress';
    reference: string;
    sourceRecordId: string | null;
    crmAmount: number | null;
    erpAmount: number | null;
    crmStatus: string | null;
    erpStatus: string | null;
    /** The transaction that carries (or carried) the record: the newest one for that CRM record. */
    transactionId: string | null;
    /** Its pipeline state (parked, held, review, confirmed, …). */
    state: string | null;
    /** What it waits on, e.g. `period 2026-11 frozen`; for a held one, its unit's blocker's condition. */
    condition: string | null;
    owner: Owner;
    /** What to do, in a sentence. */
    action: string;
    /** A transaction exists and the ERP does not hold the record: it can be re-pushed through the pipeline. */
    repushable: boolean;
}

export interface ReconciliationReport {
    /** `<period>[-<project>]-<generatedAt compact>`, unique per run. */
    id: string;
    period: string;
    project: string | null;
    generatedAt: string;
    ruleVersion: string;
    balanced: boolean;
    totals: {
        reservedValue: Measure;
        bookingAmount: Measure;
        instalments: Measure;
        receipts: Measure;
        recognition: Measure;
        expectedGap: number;
        unexplainedGap: number;
    };
    buildings: BuildingSummary[];
    /** Buildings investigated record by record (the abnormal ones). */
    investigated: string[];
    findings: Finding[];
}
