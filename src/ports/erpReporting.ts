/** A building's figures as the ERP holds them at the end of a period (docs/erp-contract.md, Reads). */
export interface ErpBuildingFigures {
    buildingCode: string;
    percentComplete: number;
    progressPeriod: string | null;
    reservations: number;
    contractValue: number;
    bookingAmount: number;
    invoiced: number;
    received: number;
    allocated: number;
    onAccount: number;
    recognisedRevenue: number;
}

export type ErpRecordType = 'reservation' | 'instalment' | 'receipt';

/** One reservation, instalment invoice or receipt the ERP holds, with the CRM record it came from. */
export interface ErpRecord {
    type: ErpRecordType;
    reference: string;
    sourceRecordId: string;
    postingId: string;
    reservationNumber: string;
    amount: number;
    status: string;
}

/**
 * Read-only ERP reporting for reconciliation at financial close. Separate from ErpClient: it never writes, and a
 * customer's ERP may serve reports from another system (a data warehouse) than its posting API.
 * Both methods throw ErpReportingError when the ERP cannot answer or answers outside the contract.
 */
export interface ErpReporting {
    /** Revenue recognised, receivables and progress per building at the end of `period` (YYYY-MM). */
    buildingFigures(period: string): Promise<ErpBuildingFigures[]>;
    /** The reservations, instalment invoices and receipts of one building at the end of `period`. */
    records(period: string, buildingCode: string): Promise<ErpRecord[]>;
}

export class ErpReportingError extends Error {
    readonly code = 'ERP_REPORTING_UNAVAILABLE';
    constructor(message: string) {
        super(message);
        this.name = 'ErpReportingError';
    }
}
