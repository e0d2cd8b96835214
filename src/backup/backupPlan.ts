/**
 * What the weekly backup exports: the CRM tables the business cannot work without (buyers, broker firms, the
 * inventory, reservations with their payment plans, receipts, commission claims, construction progress) and the
 * integration's own pipeline state. Columns follow the reference schema (/work/shared/reference-schema.md); a
 * customer whose tables differ passes its own plan.
 */
export type BackupColumnKind =
    /** Written as it is. */
    | 'value'
    /** A look-up: the CSV gets `<column>` (the row id) and `<column>_name` (what the CRM shows). */
    | 'lookup'
    /** A choice: the CSV gets `<column>` (the number) and `<column>_label` (its label). */
    | 'choice';

export interface BackupColumn {
    name: string;
    kind: BackupColumnKind;
}

export interface BackupTable {
    /** File stem: `contacts` → `contacts.csv`, `contacts.json`. */
    file: string;
    /** Dataverse table logical name. */
    entity: string;
    primaryKey: string;
    /** Why the business needs it, shown in the manifest and the procedure. */
    purpose: string;
    columns: readonly BackupColumn[];
}

const value = (...names: string[]): BackupColumn[] => names.map((name) => ({ name, kind: 'value' }));
const lookup = (...names: string[]): BackupColumn[] => names.map((name) => ({ name, kind: 'lookup' }));
const choice = (...names: string[]): BackupColumn[] => names.map((name) => ({ name, kind: 'choice' }));

/** Every table carries these: who owns the row, whether it is active, the integration's sync columns, the audit dates. */
const common: BackupColumn[] = [
    ...choice('statecode'),
    ...lookup('ownerid'),
    ...value(
        're_erppostingid',
        're_erpsyncstatus',
        're_erpsyncerror',
        're_erpsyncedon',
        'createdon',
        'modifiedon',
        'versionnumber',
    ),
];

function table(file: string, entity: string, purpose: string, own: BackupColumn[]): BackupTable {
    const primaryKey = `${entity}id`;
    return { file, entity, primaryKey, purpose, columns: [{ name: primaryKey, kind: 'value' }, ...own, ...common] };
}

export const referenceBackupTables: readonly BackupTable[] = [
    table('contacts', 'contact', 'buyers and owners: who bought what, how to reach them', [
        ...value('fullname', 'firstname', 'lastname', 'emailaddress1', 'mobilephone', 're_nationalid'),
    ]),
    table('broker-firms', 'account', 'broker firms, for commission claims', [...value('name', 're_brokerlicense')]),
    table('projects', 're_project', 'the inventory hierarchy', [...value('re_code', 're_name', 're_currencycode')]),
    table('buildings', 're_building', 'the inventory hierarchy', [
        ...value('re_code', 're_name'),
        ...lookup('re_projectid'),
    ]),
    table('units', 're_unit', 'which unit is available, reserved, sold, ready for handover', [
        ...value('re_code'),
        ...lookup('re_buildingid'),
        ...value('re_floor'),
        ...choice('re_status'),
        ...value('re_listprice', 're_readyforhandoveron'),
        ...lookup('re_ownerid'),
    ]),
    table('reservations', 're_reservation', 'who reserved which unit, for how much, in which state', [
        ...value('re_name'),
        ...lookup('re_unitid', 're_buyerid', 're_brokerfirmid'),
        ...value('re_value', 're_bookingamount', 're_reservedon'),
        ...choice('re_status'),
    ]),
    table('payment-plan-instalments', 're_installment', 'the payment plans: what each buyer owes and when', [
        ...value('re_name'),
        ...lookup('re_reservationid'),
        ...value('re_sequence', 're_duedate', 're_amount', 're_milestonepercent'),
    ]),
    table('receipts', 're_receipt', 'what each buyer has paid', [
        ...value('re_name'),
        ...lookup('re_reservationid'),
        ...value('re_amount', 're_receivedon'),
        ...choice('re_method'),
    ]),
    table('commission-claims', 're_commission', 'what is owed to which broker for which sale', [
        ...value('re_name'),
        ...lookup('re_reservationid', 're_brokerfirmid'),
        ...value('re_agentcode', 're_sharepercent', 're_amount'),
    ]),
    table(
        'construction-progress',
        're_constructionprogress',
        'construction % per building, drives milestone instalments',
        [...lookup('re_buildingid'), ...value('re_percentcomplete', 're_period', 're_reportedon')],
    ),
];

/** The file stem of the pipeline state export (transactions and where each stands). */
export const pipelineStateFile = 'pipeline-state';
