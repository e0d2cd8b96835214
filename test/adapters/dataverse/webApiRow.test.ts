import { describe, expect, it } from 'vitest';
import { normalizeWebApiRow } from '../../../src/adapters/dataverse/webApiRow';

const row = {
    '@odata.context': 'https://contoso.crm4.dynamics.com/api/data/v9.2/$metadata#re_installments(re_amount)/$entity',
    '@odata.etag': 'W/"5948260"',
    're_amount@OData.Community.Display.V1.FormattedValue': 'AED 10,000.00',
    re_amount: 10000,
    '_transactioncurrencyid_value@OData.Community.Display.V1.FormattedValue': 'UAE Dirham',
    '_transactioncurrencyid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'transactioncurrency',
    _transactioncurrencyid_value: 'C1C1C1C1-0000-4000-8000-000000000001',
    _re_reservationid_value: 'B2B2B2B2-0000-4000-8000-000000000002',
    re_duedate: '2026-05-01T00:00:00+04:00',
    re_handoverdate: '2026-05-01',
    re_installmentid: 'a3a3a3a3-0000-4000-8000-000000000003',
};

describe('normalizeWebApiRow', () => {
    it('keeps only the asked-for columns, dropping what the Web API adds by itself', () => {
        expect(normalizeWebApiRow(row, ['re_amount', 're_duedate'])).toEqual({
            re_amount: 10000,
            re_duedate: '2026-04-30T20:00:00.000Z',
        });
    });

    it('turns every column into webhook form when no columns are asked for', () => {
        expect(normalizeWebApiRow(row)).toEqual({
            re_amount: 10000,
            transactioncurrencyid: {
                logicalName: 'transactioncurrency',
                id: 'c1c1c1c1-0000-4000-8000-000000000001',
                name: 'UAE Dirham',
            },
            // Without the lookuplogicalname annotation the target table is unknown: the GUID alone is kept.
            re_reservationid: 'b2b2b2b2-0000-4000-8000-000000000002',
            re_duedate: '2026-04-30T20:00:00.000Z',
            re_handoverdate: '2026-05-01',
            re_installmentid: 'a3a3a3a3-0000-4000-8000-000000000003',
        });
    });

    it('keeps a null look-up as null under its logical name', () => {
        expect(normalizeWebApiRow({ _re_brokerfirmid_value: null }, ['re_brokerfirmid'])).toEqual({
            re_brokerfirmid: null,
        });
    });
});
