import type { Findings } from './finding';
import type { MigrationPlan, PlannedRecord, PlannedTable } from './migrationPlan';

/** `re_reservation.re_status` Cancelled: the only status that does not hold the unit. */
const cancelled = 100000001;
// Cent rounding on both sides of a comparison of money totals.
const tolerance = 0.005;

/**
 * The business rules the ERP would enforce one transaction at a time, checked over the whole export before
 * anything is loaded (reference schema: reservations, instalments, receipts, commission claims): a unit holds at
 * most one reservation that is not cancelled; a reservation's receipts do not exceed its payment plan; a sale's
 * commission shares add up to at most 100 %. Each is blocking: only sales operations or finance can say which row
 * is right.
 */
export function businessChecks(plan: MigrationPlan, findings: Findings): void {
    const table = (id: string) => plan.tables.find((t) => t.rule.id === id);
    const reservations = table('reservation');
    if (!reservations) return;
    twoActiveReservations(reservations, findings);
    const instalments = table('instalment');
    const receipts = table('receipt');
    if (instalments && receipts) receiptsOverPlan(reservations, instalments, receipts, findings);
    const commissions = table('commission');
    if (commissions) commissionsOver100(reservations, commissions, findings);
}

/** Child rows by the reservation they reference. */
export function byReservation(children: PlannedTable): Map<string, PlannedRecord[]> {
    const out = new Map<string, PlannedRecord[]>();
    for (const row of children.records) {
        const key = row.refs.re_reservationid?.key;
        if (key === undefined) continue;
        const list = out.get(key);
        if (list) list.push(row);
        else out.set(key, [row]);
    }
    return out;
}

export const sumOf = (rows: readonly PlannedRecord[] | undefined, column: string): number =>
    Math.round((rows ?? []).reduce((s, r) => s + Number(r.values[column] ?? 0), 0) * 100) / 100;

function twoActiveReservations(reservations: PlannedTable, findings: Findings): void {
    const byUnit = new Map<string, PlannedRecord[]>();
    for (const r of reservations.records) {
        const unit = r.refs.re_unitid?.key;
        if (unit === undefined || r.values.re_status === cancelled) continue;
        byUnit.set(unit, [...(byUnit.get(unit) ?? []), r]);
    }
    for (const [unit, holding] of byUnit) {
        if (holding.length < 2) continue;
        findings.addGroup({
            rule: 'TWO_ACTIVE_RESERVATIONS',
            blocks: true,
            table: 'reservation',
            file: reservations.rule.file,
            rows: holding.map((r) => r.sourceRef),
            message: `unit ${unit} has ${holding.length} reservations that are not cancelled; one must be cancelled in the source`,
        });
    }
}

function receiptsOverPlan(
    reservations: PlannedTable,
    instalments: PlannedTable,
    receipts: PlannedTable,
    findings: Findings,
): void {
    const plans = byReservation(instalments);
    const paid = byReservation(receipts);
    for (const [key, rows] of paid) {
        const received = sumOf(rows, 're_amount');
        const planned = sumOf(plans.get(key), 're_amount');
        if (received <= planned + tolerance) continue;
        findings.addGroup({
            rule: 'RECEIPT_EXCEEDS_PLAN',
            blocks: true,
            table: 'reservation',
            file: reservations.rule.file,
            rows: [reservations.byKey.get(key)?.sourceRef ?? key],
            message: `receipts of ${key} total ${received.toFixed(2)}, its payment plan ${planned.toFixed(2)} (receipts ${rows.map((r) => r.sourceRef).join(', ')})`,
        });
    }
}

function commissionsOver100(reservations: PlannedTable, commissions: PlannedTable, findings: Findings): void {
    for (const [key, claims] of byReservation(commissions)) {
        const share = sumOf(claims, 're_sharepercent');
        if (share <= 100 + tolerance) continue;
        findings.addGroup({
            rule: 'COMMISSION_OVER_100',
            blocks: true,
            table: 'reservation',
            file: reservations.rule.file,
            rows: [reservations.byKey.get(key)?.sourceRef ?? key],
            message: `commission claims for ${key} add up to ${share}% (claims ${claims.map((c) => c.sourceRef).join(', ')})`,
        });
    }
}
