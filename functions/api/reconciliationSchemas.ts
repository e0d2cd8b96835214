import { z } from 'zod';
import { periodPattern } from '../../src/reconciliation/reconcilePeriod';
import { deprecatedBy } from './deprecatedBy';
import { problemSchema } from './problemSchema';

const periodMessage = 'period must be YYYY-MM';
const ownerSchema = z
    .enum(['integration', 'finance', 'project', 'salesOperations'])
    .describe('Who must act.')
    .meta({ 'x-ms-summary': 'Owner' });

export const reconciliationListQuerySchema = z.object({
    period: z
        .string()
        .regex(periodPattern, periodMessage)
        .optional()
        .describe('Only the runs of this month (YYYY-MM); every run when empty.')
        .meta({ 'x-ms-summary': 'Period', 'x-ms-visibility': 'important' }),
});

export const reconciliationPathSchema = z.object({
    period: z
        .string()
        .regex(periodPattern, periodMessage)
        .describe('The month reconciled (YYYY-MM), e.g. 2026-11.')
        .meta({ 'x-ms-summary': 'Period', 'x-ms-visibility': 'important' }),
});

/** The connector reads the whole report as JSON; `format=md|csv` (for people, in a browser) is not published. */
export const reconciliationGetQuerySchema = z.object({
    project: z
        .string()
        .optional()
        .describe('The project code, for a run of one project; the newest run of the period when empty.')
        .meta({ 'x-ms-summary': 'Project', 'x-ms-visibility': 'advanced' }),
});

export const reconciliationRunBodySchema = z
    .object({
        by: deprecatedBy('runs the reconciliation'),
        project: z
            .string()
            .min(1)
            .optional()
            .describe('The project code to reconcile alone; every project when empty.')
            .meta({ 'x-ms-summary': 'Project', 'x-ms-visibility': 'advanced' }),
    })
    .strict()
    .meta({ id: 'RunReconciliationBody', description: 'Which project to reconcile; every project when empty.' });

export const repushPathSchema = z.object({
    sourceRecordId: z
        .string()
        .min(1)
        .describe('Id of the Dataverse row the ERP lost (sourceRecordId of a finding).')
        .meta({ 'x-ms-summary': 'Row Id', 'x-ms-visibility': 'important' }),
});

export const repushBodySchema = z
    .object({
        by: deprecatedBy('re-pushes the record'),
    })
    .strict()
    .meta({ id: 'RepushRecordBody', description: 'Nothing is needed: the signed-in account re-pushes the record.' });

export const measureSchema = z
    .object({
        crm: z.number().describe('What the CRM says.').meta({ 'x-ms-summary': 'CRM' }),
        erp: z.number().describe('What the ERP says.').meta({ 'x-ms-summary': 'ERP' }),
        difference: z.number().describe('ERP minus CRM.').meta({ 'x-ms-summary': 'Difference' }),
        withinTolerance: z
            .boolean()
            .describe('Whether the difference is within tolerance.')
            .meta({ 'x-ms-summary': 'Within Tolerance' }),
    })
    .meta({ id: 'ReconciliationMeasure', description: 'One figure compared between the CRM and the ERP.' });

export const reconciliationTotalsSchema = z
    .object({
        reservedValue: measureSchema.describe('Reserved unit value against the ERP contract value.'),
        bookingAmount: measureSchema.describe('Booking amounts.'),
        instalments: measureSchema.describe('Payment plans against the ERP instalment invoices.'),
        receipts: measureSchema.describe('Receipts recorded in the CRM against those the ERP received.'),
        recognition: measureSchema.describe('Revenue the rule expects from the CRM against what the ERP recognised.'),
        expectedGap: z
            .number()
            .describe('Reserved value not yet recognised because construction is not complete.')
            .meta({ 'x-ms-summary': 'Expected Gap' }),
        unexplainedGap: z
            .number()
            .describe('What construction progress does not explain.')
            .meta({ 'x-ms-summary': 'Unexplained Gap' }),
    })
    .meta({ id: 'ReconciliationTotals', description: 'The CRM and ERP figures of the period, side by side.' });

export const buildingSummarySchema = z
    .object({
        projectCode: z.string().describe('The project.').meta({ 'x-ms-summary': 'Project' }),
        buildingCode: z.string().describe('The building.').meta({ 'x-ms-summary': 'Building' }),
        percentComplete: z
            .object({
                crm: z.number().describe('Construction % the CRM reports.'),
                erp: z.number().describe('Construction % the ERP recognises at.'),
                crmPeriod: z.string().nullable().describe('Period of the CRM figure.'),
                erpPeriod: z.string().nullable().describe('Period of the ERP figure.'),
            })
            .describe('Construction progress in the CRM and the ERP.'),
        reservations: z
            .object({
                crm: z.number().int().describe('Reservations in the CRM.'),
                erp: z.number().int().describe('Contracts in the ERP.'),
            })
            .describe('Reservations counted on each side.'),
        reservedValue: measureSchema.describe('Reserved unit value against the ERP contract value.'),
        bookingAmount: measureSchema.describe('Booking amounts.'),
        instalments: measureSchema.describe('Payment plans against the ERP instalment invoices.'),
        receipts: measureSchema.describe('Receipts recorded in the CRM against those the ERP received.'),
        erpAllocation: z
            .object({
                allocated: z.number().describe('Receipts allocated to invoices.'),
                onAccount: z.number().describe('Receipts kept on account.'),
            })
            .describe('How the ERP split the receipts.'),
        recognition: measureSchema.describe('Revenue the rule expects from the CRM against what the ERP recognised.'),
        expectedGap: z.number().describe('Reserved value not yet recognised because construction is not complete.'),
        unexplainedGap: z.number().describe('What construction progress does not explain.'),
        status: z.enum(['balanced', 'abnormal']).describe('balanced or abnormal.').meta({ 'x-ms-summary': 'Status' }),
    })
    .meta({ id: 'ReconciliationBuilding', description: 'A building at close: the CRM and ERP figures side by side.' });

export const findingSchema = z
    .object({
        kind: z
            .enum(['pending', 'missingInErp', 'noCrmSource', 'amountMismatch', 'statusMismatch', 'progressMismatch'])
            .describe('What differs.')
            .meta({ 'x-ms-summary': 'Kind' }),
        projectCode: z.string().describe('The project.').meta({ 'x-ms-summary': 'Project' }),
        buildingCode: z.string().describe('The building.').meta({ 'x-ms-summary': 'Building' }),
        type: z
            .enum(['reservation', 'instalment', 'receipt', 'constructionProgress'])
            .describe('The kind of record.')
            .meta({ 'x-ms-summary': 'Record Type' }),
        reference: z.string().describe('The business reference of the record.').meta({ 'x-ms-summary': 'Reference' }),
        sourceRecordId: z
            .string()
            .nullable()
            .describe('The Dataverse row, when there is one (what a re-push takes).')
            .meta({ 'x-ms-summary': 'Row Id' }),
        crmAmount: z.number().nullable().describe('Amount in the CRM.').meta({ 'x-ms-summary': 'CRM Amount' }),
        erpAmount: z.number().nullable().describe('Amount in the ERP.').meta({ 'x-ms-summary': 'ERP Amount' }),
        crmStatus: z.string().nullable().describe('Status in the CRM.'),
        erpStatus: z.string().nullable().describe('Status in the ERP.'),
        transactionId: z
            .string()
            .nullable()
            .describe('The newest transaction carrying the record.')
            .meta({ 'x-ms-summary': 'Transaction Id' }),
        state: z.string().nullable().describe('Its pipeline state (parked, held, review, confirmed ...).'),
        condition: z.string().nullable().describe('What it waits on, e.g. period 2026-11 frozen.'),
        owner: ownerSchema,
        action: z.string().describe('What to do, in a sentence.').meta({ 'x-ms-summary': 'Action' }),
        repushable: z
            .boolean()
            .describe('The ERP does not hold it and a transaction exists: it can be re-pushed.')
            .meta({ 'x-ms-summary': 'Repushable' }),
    })
    .meta({ id: 'ReconciliationFinding', description: 'A record-level difference, why, and who must act.' });

const findingsSchema = z
    .array(findingSchema)
    .describe('Record-level lines of the abnormal buildings.')
    .meta({ 'x-ms-summary': 'Findings' });
const investigatedSchema = z
    .array(z.string())
    .describe('Buildings investigated record by record (the abnormal ones).')
    .meta({ 'x-ms-summary': 'Investigated' });

/** What names a run, in its report and in the list of stored runs alike. */
const runIdentity = {
    id: z.string().describe('Id of the run.').meta({ 'x-ms-summary': 'Reconciliation Id' }),
    period: z.string().describe('The month reconciled (YYYY-MM).').meta({ 'x-ms-summary': 'Period' }),
    project: z
        .string()
        .nullable()
        .describe('The project, for a run of one project.')
        .meta({ 'x-ms-summary': 'Project' }),
    generatedAt: z.string().describe('When it ran (ISO 8601 UTC).').meta({ 'x-ms-summary': 'Generated At' }),
};
const balanced = z.boolean().describe('Whether every building balanced.').meta({ 'x-ms-summary': 'Balanced' });

export const reconciliationReportSchema = z
    .object({
        ...runIdentity,
        ruleVersion: z.string().describe('Version of the recognition rule applied.'),
        balanced,
        totals: reconciliationTotalsSchema,
        buildings: z.array(buildingSummarySchema).describe('Each building at close.'),
        investigated: investigatedSchema,
        findings: findingsSchema,
    })
    .meta({ id: 'ReconciliationReport', description: 'A month-end reconciliation of the CRM against the ERP.' });

const reportFilesSchema = z
    .object({
        json: z.string().describe('The whole report (JSON).'),
        markdown: z.string().describe('The readable report (Markdown).'),
        csv: z.string().describe('The record-level lines (CSV).'),
    })
    .describe('Blob paths of the stored report in the reconciliation container.');

export const reconciliationEntrySchema = z
    .object({
        ...runIdentity,
        balanced,
        findings: z.number().int().describe('How many record-level findings.').meta({ 'x-ms-summary': 'Findings' }),
        files: reportFilesSchema,
    })
    .meta({ id: 'ReconciliationEntry', description: 'A stored reconciliation run, without its lines.' });

export const reconciliationListResponseSchema = z
    .object({
        reports: z
            .array(reconciliationEntrySchema)
            .describe('The stored runs, newest first.')
            .meta({ 'x-ms-summary': 'Reports' }),
    })
    .meta({ id: 'Reconciliations', description: 'The stored reconciliation runs.' });

export const reconciliationRunResponseSchema = z
    .object({
        status: z
            .enum(['balanced', 'notBalanced'])
            .describe('balanced or notBalanced.')
            .meta({ 'x-ms-summary': 'Status' }),
        id: z.string().describe('Id of the stored run.').meta({ 'x-ms-summary': 'Reconciliation Id' }),
        files: reportFilesSchema,
        posted: z
            .boolean()
            .describe('Whether the summary reached the end-of-day channel (the report is stored either way).')
            .meta({ 'x-ms-summary': 'Posted' }),
        totals: reconciliationTotalsSchema,
        investigated: investigatedSchema,
        findings: findingsSchema,
    })
    .meta({ id: 'ReconciliationResult', description: 'The outcome of a reconciliation run.' });

export const repushResponseSchema = z
    .object({
        status: z
            .enum(['queued'])
            .describe('queued: it goes through the pipeline again.')
            .meta({ 'x-ms-summary': 'Status' }),
        transactionId: z.string().describe('The transaction sent again.').meta({ 'x-ms-summary': 'Transaction Id' }),
        sessionId: z.string().describe('Its ordering session (unit, building or contact).'),
    })
    .meta({ id: 'RepushResult', description: 'The transaction queued again, with its idempotency key.' });

/** The 409 of a re-push: a Problem that also names the transaction still on its way and its state. */
export const repushConflictSchema = z
    .object({
        error: problemSchema.shape.error
            .extend({
                transactionId: z
                    .string()
                    .describe('The transaction of the row still on its way.')
                    .meta({ 'x-ms-summary': 'Transaction Id' }),
                state: z.string().describe('Its state (queued, parked, held ...).').meta({ 'x-ms-summary': 'State' }),
            })
            .meta({ 'x-ms-summary': 'Error' }),
    })
    .meta({ id: 'RepushConflict', description: 'The row has a transaction still on its way; it posts by itself.' });
