import type { NormalizedAttributes, NormalizedValue } from '../dataverse/normalizedEvent';
import type { EntityMap } from '../mapping/entityMapSchema';
import type { CrmTableReader } from '../ports/crmClient';

/** One reservation, instalment or receipt as the CRM holds it, placed in its project and building. */
export interface CrmRecord {
    type: 'reservation' | 'instalment' | 'receipt';
    /** The business reference the ERP knows it by: reservation number, instalment id, receipt number. */
    reference: string;
    sourceRecordId: string;
    entity: string;
    reservationNumber: string;
    projectCode: string;
    buildingCode: string;
    amount: number;
    /** Reservation: its status name from the entity map (active, cancelled, contracted); others: `recorded`. */
    status: string;
    /** Reservation: reserved on; receipt: received on; instalment: null (the plan counts whole). YYYY-MM-DD. */
    date: string | null;
    /** Reservation only: the booking amount received. */
    bookingAmount?: number;
}

export interface CrmProgressReport {
    sourceRecordId: string;
    buildingCode: string;
    period: string;
    percentComplete: number;
    reportedOn: string;
}

/** What the CRM holds for reconciliation: the money records and the construction reports, by building. */
export interface CrmBooks {
    buildings: Array<{ projectCode: string; buildingCode: string }>;
    records: CrmRecord[];
    progress: CrmProgressReport[];
}

const pageSize = 500;

/** Reads every row of one table through the Web API's server-driven paging (columns include the primary key). */
async function readTable(reader: CrmTableReader, entity: string, columns: string[]): Promise<NormalizedAttributes[]> {
    const rows: NormalizedAttributes[] = [];
    let next: string | undefined;
    do {
        const page = await reader.readPage(entity, { columns, pageSize, count: false, ...(next ? { next } : {}) });
        for (const row of page.rows) rows.push(row.attributes);
        next = page.next;
    } while (next);
    return rows;
}

const text = (v: NormalizedValue | undefined): string => (typeof v === 'string' ? v : '');
const num = (v: NormalizedValue | undefined): number => (typeof v === 'number' ? v : Number(v ?? 0));
const refId = (v: NormalizedValue | undefined): string =>
    typeof v === 'string' ? v.toLowerCase() : v && typeof v === 'object' && 'id' in v ? String(v.id).toLowerCase() : '';
const day = (v: NormalizedValue | undefined): string | null => (typeof v === 'string' ? v.slice(0, 10) : null);

/** The reservation status names the entity map gives the CRM's choice values (one source of truth with the ERP). */
function reservationStatusNames(map: EntityMap): Record<string, string> {
    const field = map.entities.re_reservation?.fields.find((f) => f.source === 're_status');
    return (field && 'choices' in field && field.choices ? field.choices : {}) as Record<string, string>;
}

/**
 * Reads the CRM side from Dataverse (projects → buildings → units → reservations, instalments, receipts, and
 * construction progress), optionally for one project. Rows whose parents are missing are kept under `(unknown)`,
 * so nothing the CRM holds is silently left out of the totals.
 */
export async function readCrmBooks(reader: CrmTableReader, map: EntityMap, projectCode?: string): Promise<CrmBooks> {
    const [projects, buildings, units, reservations, instalments, receipts, progress] = await Promise.all([
        readTable(reader, 're_project', ['re_projectid', 're_code']),
        readTable(reader, 're_building', ['re_buildingid', 're_code', 're_projectid']),
        readTable(reader, 're_unit', ['re_unitid', 're_code', 're_buildingid']),
        readTable(reader, 're_reservation', [
            're_reservationid',
            're_name',
            're_unitid',
            're_value',
            're_bookingamount',
            're_reservedon',
            're_status',
        ]),
        readTable(reader, 're_installment', ['re_installmentid', 're_name', 're_reservationid', 're_amount']),
        readTable(reader, 're_receipt', ['re_receiptid', 're_name', 're_reservationid', 're_amount', 're_receivedon']),
        readTable(reader, 're_constructionprogress', [
            're_constructionprogressid',
            're_buildingid',
            're_percentcomplete',
            're_period',
            're_reportedon',
        ]),
    ]);
    const projectCodeById = new Map(projects.map((p) => [text(p.re_projectid).toLowerCase(), text(p.re_code)]));
    const buildingById = new Map(
        buildings.map((b) => [
            text(b.re_buildingid).toLowerCase(),
            {
                buildingCode: text(b.re_code) || '(unknown)',
                projectCode: projectCodeById.get(refId(b.re_projectid)) ?? '(unknown)',
            },
        ]),
    );
    const unknown = { buildingCode: '(unknown)', projectCode: '(unknown)' };
    const buildingOfUnit = new Map(
        units.map((u) => [text(u.re_unitid).toLowerCase(), buildingById.get(refId(u.re_buildingid)) ?? unknown]),
    );
    const statusNames = reservationStatusNames(map);
    const reservationById = new Map<string, { number: string; place: typeof unknown }>();
    const records: CrmRecord[] = [];
    for (const r of reservations) {
        const place = buildingOfUnit.get(refId(r.re_unitid)) ?? unknown;
        const id = text(r.re_reservationid).toLowerCase();
        reservationById.set(id, { number: text(r.re_name), place });
        records.push({
            type: 'reservation',
            reference: text(r.re_name),
            sourceRecordId: id,
            entity: 're_reservation',
            reservationNumber: text(r.re_name),
            ...place,
            amount: num(r.re_value),
            bookingAmount: num(r.re_bookingamount),
            status: statusNames[String(r.re_status)] ?? String(r.re_status),
            date: day(r.re_reservedon),
        });
    }
    const child = (type: 'instalment' | 'receipt', entity: string, row: NormalizedAttributes, date: string | null) => {
        const parent = reservationById.get(refId(row.re_reservationid));
        records.push({
            type,
            reference: text(row.re_name),
            sourceRecordId: text(row[`${entity}id`]).toLowerCase(),
            entity,
            reservationNumber: parent?.number ?? '(unknown)',
            ...(parent?.place ?? unknown),
            amount: num(row.re_amount),
            status: 'recorded',
            date,
        });
    };
    for (const i of instalments) child('instalment', 're_installment', i, null);
    for (const r of receipts) child('receipt', 're_receipt', r, day(r.re_receivedon));
    const books: CrmBooks = {
        buildings: [...buildingById.values()],
        records,
        progress: progress.map((p) => ({
            sourceRecordId: text(p.re_constructionprogressid).toLowerCase(),
            buildingCode: (buildingById.get(refId(p.re_buildingid)) ?? unknown).buildingCode,
            period: text(p.re_period),
            percentComplete: num(p.re_percentcomplete),
            reportedOn: text(p.re_reportedon),
        })),
    };
    if (projectCode === undefined) return books;
    const inProject = new Set(books.buildings.filter((b) => b.projectCode === projectCode).map((b) => b.buildingCode));
    return {
        buildings: books.buildings.filter((b) => b.projectCode === projectCode),
        records: books.records.filter((r) => r.projectCode === projectCode),
        progress: books.progress.filter((p) => inProject.has(p.buildingCode)),
    };
}
