import type { FieldValue } from '../domain/transaction';
import type { ErpRequest } from '../ports/erpClient';
import type { ErpResource } from './migrationMapSchema';
import type { MigrationPlan, PlannedRecord } from './migrationPlan';

const reservationStatus: Record<number, string> = {
    100000000: 'active',
    100000001: 'cancelled',
    100000002: 'contracted',
};
const receiptMethod: Record<number, string> = { 100000000: 'bankTransfer', 100000001: 'cheque', 100000002: 'card' };
const day = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : null);

/** What a payload needs besides the row: Dataverse ids of loaded rows and the plan, to follow look-ups. */
export interface PayloadContext {
    plan: MigrationPlan;
    idOf(table: string, key: string): string | undefined;
    /** Every migrated transaction posts on the cut-over date: history is an opening balance, not a re-run. */
    cutoverDate: string;
    /** Part of every Idempotency-Key: a re-run of the same source replays, a corrected source amends. */
    runKey: string;
}

/**
 * The ERP call for one loaded row, in the same contract and field names as the pipeline's ERP map
 * (config/erp-map.v1.json, docs/erp-contract.md). `sourceRecordId` is the Dataverse row id, so a later CRM change
 * of the same row amends the record instead of being refused as a duplicate.
 */
export function erpRequestFor(
    resource: ErpResource,
    record: PlannedRecord,
    id: string,
    ctx: PayloadContext,
): ErpRequest {
    const v = record.values;
    const ref = (column: string) => record.refs[column];
    const base = { sourceRecordId: id, postingDate: ctx.cutoverDate };
    const request = (path: string, reference: string, body: Record<string, FieldValue>): ErpRequest => {
        const key = `migration-${ctx.runKey}-${resource}-${reference}`;
        return {
            method: 'PUT',
            path: `/erp/v1/${path}/${encodeURIComponent(reference)}`,
            target: { resource: path, reference },
            idempotencyKey: key,
            correlationId: `migration-${ctx.runKey}`,
            // An optional field the legacy row does not have is left out: the contract types fields, it has no nulls.
            // The key doubles as the migration's integrationReference: one posting per row and run.
            body: {
                ...base,
                integrationReference: key,
                ...Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null)),
            },
        };
    };
    switch (resource) {
        case 'customer':
            return request('customers', id, {
                customerRef: id,
                firstName: v.firstname ?? null,
                lastName: v.lastname ?? null,
                email: v.emailaddress1 ?? null,
                phone: v.mobilephone ?? null,
                nationalId: v.re_nationalid ?? null,
            });
        case 'reservation': {
            const unit = ref('re_unitid');
            const unitRow = unit ? findRecord(ctx.plan, unit.table, unit.key) : undefined;
            const building = unitRow?.refs.re_buildingid;
            const buildingRow = building ? findRecord(ctx.plan, building.table, building.key) : undefined;
            const project = buildingRow?.refs.re_projectid;
            const projectRow = project ? findRecord(ctx.plan, project.table, project.key) : undefined;
            const buyer = ref('re_buyerid');
            return request('reservations', record.key, {
                reservationNumber: record.key,
                customerRef: buyer ? (ctx.idOf(buyer.table, buyer.key) ?? null) : null,
                unitCode: unit?.key ?? null,
                buildingCode: building?.key ?? null,
                // The pipeline looks the cost centre up in its mapping table; legacy history books to the building.
                costCentre: building?.key ?? null,
                brokerVendorId: ref('re_brokerfirmid')?.key ?? null,
                value: v.re_value ?? null,
                bookingAmount: v.re_bookingamount ?? null,
                currency: projectRow?.values.re_currencycode ?? null,
                reservedOn: day(v.re_reservedon),
                status: reservationStatus[Number(v.re_status)] ?? null,
            });
        }
        case 'instalment':
            return request('instalments', record.key, {
                instalmentId: record.key,
                reservationNumber: ref('re_reservationid')?.key ?? null,
                sequence: v.re_sequence ?? null,
                dueDate: day(v.re_duedate),
                amount: v.re_amount ?? null,
            });
        case 'receipt':
            return request('receipts', record.key, {
                receiptNumber: record.key,
                reservationNumber: ref('re_reservationid')?.key ?? null,
                amount: v.re_amount ?? null,
                receivedOn: day(v.re_receivedon),
                method: receiptMethod[Number(v.re_method)] ?? null,
            });
        case 'commission':
            return request('commissions', record.key, {
                claimNumber: record.key,
                reservationNumber: ref('re_reservationid')?.key ?? null,
                vendorId: ref('re_brokerfirmid')?.key ?? null,
                agentVendorId: v.re_agentcode ?? null,
                sharePercent: v.re_sharepercent ?? null,
                amount: v.re_amount ?? null,
            });
    }
}

function findRecord(plan: MigrationPlan, table: string, key: string): PlannedRecord | undefined {
    return plan.tables.find((t) => t.rule.id === table)?.byKey.get(key);
}
