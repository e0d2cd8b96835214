/**
 * The tables the sandbox Dataverse knows: the reference real-estate schema (/work/shared/reference-schema.md) plus
 * the columns every row carries (system columns, the integration's confirmation columns). Column types decide how
 * the Web API formats a value (look-ups as `_x_value`, formatted-value annotations) and which writes are refused.
 */
export type ColumnType = 'guid' | 'text' | 'whole' | 'bigint' | 'decimal' | 'money' | 'choice' | 'datetime' | 'lookup';

export interface TableSchema {
    logicalName: string;
    entitySet: string;
    primaryKey: string;
    /** The column a look-up to this table shows as its name (FormattedValue). */
    primaryName: string;
    columns: Record<string, ColumnType>;
    /** Choice labels by column, for `@OData.Community.Display.V1.FormattedValue`. */
    choices: Record<string, Record<number, string>>;
}

/** Maintained by the platform: readable, never writable. */
export const systemColumns: Record<string, ColumnType> = {
    versionnumber: 'bigint',
    createdon: 'datetime',
    modifiedon: 'datetime',
};

const integrationColumns: Record<string, ColumnType> = {
    re_erppostingid: 'text',
    re_erpsyncstatus: 'text',
    re_erpsyncerror: 'text',
    re_erpsyncedon: 'datetime',
};

const stateChoices = { 0: 'Active', 1: 'Inactive' };

function table(
    logicalName: string,
    entitySet: string,
    primaryName: string,
    own: Record<string, ColumnType>,
    choices: Record<string, Record<number, string>> = {},
): TableSchema {
    const hasMoney = Object.values(own).includes('money');
    return {
        logicalName,
        entitySet,
        primaryKey: `${logicalName}id`,
        primaryName,
        columns: {
            [`${logicalName}id`]: 'guid',
            ...own,
            ...integrationColumns,
            ownerid: 'lookup',
            statecode: 'choice',
            // Dataverse adds the currency to every table with a money column.
            ...(hasMoney ? { transactioncurrencyid: 'lookup' as const } : {}),
            ...systemColumns,
        },
        choices: { statecode: stateChoices, ...choices },
    };
}

export const referenceTables: readonly TableSchema[] = [
    table('contact', 'contacts', 'fullname', {
        fullname: 'text',
        firstname: 'text',
        lastname: 'text',
        emailaddress1: 'text',
        mobilephone: 'text',
        re_nationalid: 'text',
    }),
    table('account', 'accounts', 'name', { name: 'text', re_brokerlicense: 'text' }),
    table('re_project', 're_projects', 're_name', { re_code: 'text', re_name: 'text', re_currencycode: 'text' }),
    table('re_building', 're_buildings', 're_name', { re_code: 'text', re_name: 'text', re_projectid: 'lookup' }),
    table(
        're_unit',
        're_units',
        're_code',
        {
            re_code: 'text',
            re_buildingid: 'lookup',
            re_floor: 'whole',
            re_status: 'choice',
            re_listprice: 'money',
            re_readyforhandoveron: 'datetime',
            re_ownerid: 'lookup',
        },
        {
            re_status: {
                100000000: 'Available',
                100000001: 'Reserved',
                100000002: 'Sold',
                100000003: 'Ready for handover',
                100000004: 'Handed over',
                100000005: 'Blocked',
            },
        },
    ),
    table(
        're_reservation',
        're_reservations',
        're_name',
        {
            re_name: 'text',
            re_unitid: 'lookup',
            re_buyerid: 'lookup',
            re_brokerfirmid: 'lookup',
            re_value: 'money',
            re_bookingamount: 'money',
            re_reservedon: 'datetime',
            re_status: 'choice',
        },
        { re_status: { 100000000: 'Active', 100000001: 'Cancelled', 100000002: 'Contracted' } },
    ),
    table('re_installment', 're_installments', 're_name', {
        re_name: 'text',
        re_reservationid: 'lookup',
        re_sequence: 'whole',
        re_duedate: 'datetime',
        re_amount: 'money',
        re_milestonepercent: 'decimal',
    }),
    table(
        're_receipt',
        're_receipts',
        're_name',
        {
            re_name: 'text',
            re_reservationid: 'lookup',
            re_amount: 'money',
            re_receivedon: 'datetime',
            re_method: 'choice',
        },
        { re_method: { 100000000: 'Bank transfer', 100000001: 'Cheque', 100000002: 'Card' } },
    ),
    table('re_commission', 're_commissions', 're_name', {
        re_name: 'text',
        re_reservationid: 'lookup',
        re_brokerfirmid: 'lookup',
        re_agentcode: 'text',
        re_sharepercent: 'decimal',
        re_amount: 'money',
    }),
    table('re_constructionprogress', 're_constructionprogresses', 're_period', {
        re_buildingid: 'lookup',
        re_percentcomplete: 'decimal',
        re_period: 'text',
        re_reportedon: 'datetime',
    }),
];

/**
 * Alternate keys (one column each) the sandbox resolves in `{set}(column='value')` addresses and `@odata.bind`
 * references, as Dataverse does for keys defined on the table: the codes and unique numbers of the reference schema.
 */
export const referenceAlternateKeys: Readonly<Record<string, readonly string[]>> = {
    contact: ['re_nationalid'],
    account: ['re_brokerlicense'],
    re_project: ['re_code'],
    re_building: ['re_code'],
    re_unit: ['re_code'],
    re_reservation: ['re_name'],
    re_installment: ['re_name'],
    re_receipt: ['re_name'],
    re_commission: ['re_name'],
};

export function tableByName(tables: readonly TableSchema[], logicalName: string): TableSchema | undefined {
    return tables.find((t) => t.logicalName === logicalName);
}

export function tableBySet(tables: readonly TableSchema[], entitySet: string): TableSchema | undefined {
    return tables.find((t) => t.entitySet === entitySet);
}
