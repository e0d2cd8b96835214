import { z } from 'zod';

/**
 * How revenue is expected to be recognised at close, versioned like the maps (config/recognition-rule.v1.json).
 * Off plan, revenue follows construction % complete, not the booking date.
 */
export const recognitionRuleSchema = z
    .object({
        version: z.string().min(1),
        description: z.string().optional(),
        /** Only one basis exists today; the literal makes a future basis an explicit, versioned change. */
        basis: z.literal('percentComplete'),
        /** Reservation statuses (the entity map's choice names) that count as sold at close. */
        reservationStatuses: z.array(z.enum(['active', 'contracted', 'cancelled'])).min(1),
        /** Which construction report counts for a period: the latest for that period or an earlier one. */
        progress: z.literal('latestReportUpToPeriod'),
        /** A difference is abnormal beyond max(amount, percentOfCrm % of the CRM figure). */
        tolerance: z.object({ amount: z.number().min(0), percentOfCrm: z.number().min(0).max(100) }).strict(),
    })
    .strict();

export type RecognitionRule = z.infer<typeof recognitionRuleSchema>;

const cents = (n: number) => Math.round(n * 100) / 100;

/** Revenue expected for one reservation: its value at the building's % complete, to the cent. */
export function expectedRecognition(value: number, percentComplete: number): number {
    return cents((value * percentComplete) / 100);
}

/** Whether a difference between the CRM and the ERP is within the rule's tolerance. */
export function withinTolerance(rule: RecognitionRule, crm: number, difference: number): boolean {
    const allowed = Math.max(rule.tolerance.amount, (Math.abs(crm) * rule.tolerance.percentOfCrm) / 100);
    return Math.abs(difference) <= allowed + 1e-9;
}
