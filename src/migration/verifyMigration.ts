import { isEntityRef, type NormalizedAttributes } from '../dataverse/normalizedEvent';
import type { CrmKeyedClient } from '../ports/crmClient';
import { byReservation, sumOf } from './businessChecks';
import type { ErpReservationReader } from './erpReservationReader';
import type { MigrationPlan, PlannedRecord } from './migrationPlan';
import { type Progress, silentProgress } from './progress';

/** One thing that is not as the source says. Names the row as the source does; never shows personal values. */
export interface Difference {
    table: string;
    row: string;
    what: string;
}

export interface VerifyResult {
    ok: boolean;
    checkedRows: Record<string, number>;
    differenceCount: number;
    /** The first 200 differences. */
    differences: Difference[];
    totals: {
        source: { planned: number; received: number };
        dataverse: { planned: number; received: number };
        erp: { invoiced: number; allocated: number };
    };
}

const close = (a: number, b: number) => Math.abs(a - b) < 0.005;
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * After a load: reads every planned row back from Dataverse by its alternate key and compares the values and that
 * each look-up points at the row its parent key names (project → building → floor → unit, reservation → unit and
 * buyer, plan entries, receipts and claims → reservation); then compares each reservation's payment plan and
 * receipts with what Dataverse and the ERP hold.
 */
export async function verifyMigration(
    ports: { crm: CrmKeyedClient; erpReader: ErpReservationReader },
    plan: MigrationPlan,
    options: { concurrency?: number; progress?: Progress } = {},
): Promise<VerifyResult> {
    const progress = options.progress ?? silentProgress;
    const concurrency = options.concurrency ?? 8;
    const differences: Difference[] = [];
    let differenceCount = 0;
    const differ = (d: Difference) => {
        differenceCount += 1;
        if (differences.length < 200) differences.push(d);
    };
    const idOf = new Map<string, string>();
    const keyOfId = new Map<string, string>();
    const rows = new Map<string, Map<string, NormalizedAttributes>>();
    const checkedRows: Record<string, number> = {};

    for (const table of plan.tables) {
        const { rule } = table;
        const columns = [...Object.keys(table.records[0]?.values ?? {}), ...Object.keys(table.records[0]?.refs ?? {})];
        const read = new Map<string, NormalizedAttributes>();
        rows.set(rule.id, read);
        progress.start('verify', rule.target, table.records.length);
        await pool(table.records, concurrency, async (record) => {
            const row = await ports.crm.retrieveByKey(rule.target, { column: rule.key, value: record.key }, columns);
            progress.tick();
            if (!row) {
                differ({ table: rule.id, row: record.sourceRef, what: 'missing in Dataverse' });
                return;
            }
            read.set(record.key, row);
            const id = row[`${rule.target}id`];
            if (typeof id === 'string') {
                idOf.set(`${rule.id}\0${record.key}`, id);
                keyOfId.set(`${rule.id}\0${id}`, record.key);
            }
            compareRow(rule.id, record, row, idOf, differ);
        });
        progress.finish();
        checkedRows[rule.id] = table.records.length;
    }

    const source = { planned: 0, received: 0 };
    const dataverse = { planned: 0, received: 0 };
    const erp = { invoiced: 0, allocated: 0 };
    const reservations = plan.tables.find((t) => t.rule.id === 'reservation');
    const instalments = plan.tables.find((t) => t.rule.id === 'instalment');
    const receipts = plan.tables.find((t) => t.rule.id === 'receipt');
    if (reservations && instalments && receipts) {
        const plans = byReservation(instalments);
        const paid = byReservation(receipts);
        // What Dataverse holds per reservation, grouped through the look-up it really has.
        const held = (tableId: string) => {
            const out = new Map<string, number>();
            for (const row of rows.get(tableId)?.values() ?? []) {
                const ref = row.re_reservationid;
                const key = isEntityRef(ref) ? keyOfId.get(`reservation\0${ref.id}`) : undefined;
                if (key !== undefined) out.set(key, (out.get(key) ?? 0) + Number(row.re_amount ?? 0));
            }
            return out;
        };
        const heldPlans = held('instalment');
        const heldPaid = held('receipt');
        progress.start('verify', 'ERP reservations', reservations.records.length);
        await pool(reservations.records, concurrency, async (r) => {
            const planned = sumOf(plans.get(r.key), 're_amount');
            const received = sumOf(paid.get(r.key), 're_amount');
            source.planned += planned;
            source.received += received;
            const dvPlanned = round(heldPlans.get(r.key) ?? 0);
            const dvReceived = round(heldPaid.get(r.key) ?? 0);
            dataverse.planned += dvPlanned;
            dataverse.received += dvReceived;
            if (!close(planned, dvPlanned))
                differ({
                    table: 'reservation',
                    row: r.sourceRef,
                    what: `Dataverse payment plan ${dvPlanned}, source ${planned}`,
                });
            if (!close(received, dvReceived))
                differ({
                    table: 'reservation',
                    row: r.sourceRef,
                    what: `Dataverse receipts ${dvReceived}, source ${received}`,
                });
            const inErp = await ports.erpReader.read(r.key);
            progress.tick();
            if (!inErp) {
                differ({ table: 'reservation', row: r.sourceRef, what: 'missing in the ERP' });
                return;
            }
            erp.invoiced += inErp.invoiced;
            erp.allocated += inErp.allocated;
            if (!close(planned, inErp.invoiced))
                differ({
                    table: 'reservation',
                    row: r.sourceRef,
                    what: `ERP invoices ${inErp.invoiced}, source plan ${planned}`,
                });
            if (!close(received, inErp.allocated))
                differ({
                    table: 'reservation',
                    row: r.sourceRef,
                    what: `ERP allocations ${inErp.allocated}, source receipts ${received}`,
                });
        });
        progress.finish();
    }
    const totals = {
        source: { planned: round(source.planned), received: round(source.received) },
        dataverse: { planned: round(dataverse.planned), received: round(dataverse.received) },
        erp: { invoiced: round(erp.invoiced), allocated: round(erp.allocated) },
    };
    return { ok: differenceCount === 0, checkedRows, differenceCount, differences, totals };
}

function compareRow(
    table: string,
    record: PlannedRecord,
    row: NormalizedAttributes,
    idOf: Map<string, string>,
    differ: (d: Difference) => void,
): void {
    for (const [column, expected] of Object.entries(record.values)) {
        const actual = row[column] ?? null;
        const same =
            expected === null
                ? actual === null
                : typeof expected === 'number'
                  ? typeof actual === 'number' && close(expected, actual)
                  : /^\d{4}-\d{2}-\d{2}T/.test(expected) && typeof actual === 'string'
                    ? Date.parse(expected) === Date.parse(actual)
                    : expected === actual;
        if (!same) differ({ table, row: record.sourceRef, what: `column ${column} differs from the source` });
    }
    for (const [column, ref] of Object.entries(record.refs)) {
        const actual = row[column];
        const actualId = isEntityRef(actual) ? actual.id : null;
        const expectedId = ref ? idOf.get(`${ref.table}\0${ref.key}`) : null;
        if (actualId !== (expectedId ?? null)) {
            differ({
                table,
                row: record.sourceRef,
                what: `look-up ${column} does not point to its ${ref?.table ?? 'empty value'}`,
            });
        }
    }
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
