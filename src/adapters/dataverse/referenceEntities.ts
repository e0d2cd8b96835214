/**
 * What the Web API needs to know about the reference schema (docs: /work/shared/reference-schema.md) that a
 * webhook never says: each table's entity set name, and which columns are look-ups (the Web API selects a look-up
 * as `_<column>_value`, never by its logical name). Customers with other tables override both.
 */
export const referenceEntitySets: Readonly<Record<string, string>> = {
    contact: 'contacts',
    account: 'accounts',
    re_project: 're_projects',
    re_building: 're_buildings',
    re_unit: 're_units',
    re_reservation: 're_reservations',
    re_installment: 're_installments',
    re_receipt: 're_receipts',
    re_commission: 're_commissions',
    re_constructionprogress: 're_constructionprogresses',
};

export const referenceLookupColumns: Readonly<Record<string, readonly string[]>> = {
    contact: ['parentcustomerid', 'ownerid'],
    account: ['primarycontactid', 'ownerid'],
    re_project: ['ownerid'],
    re_building: ['re_projectid', 'ownerid'],
    re_unit: ['re_buildingid', 're_ownerid', 'ownerid', 'transactioncurrencyid'],
    re_reservation: ['re_unitid', 're_buyerid', 're_brokerfirmid', 'ownerid', 'transactioncurrencyid'],
    re_installment: ['re_reservationid', 'ownerid', 'transactioncurrencyid'],
    re_receipt: ['re_reservationid', 'ownerid', 'transactioncurrencyid'],
    re_commission: ['re_reservationid', 're_brokerfirmid', 'ownerid', 'transactioncurrencyid'],
    re_constructionprogress: ['re_buildingid', 'ownerid'],
};
