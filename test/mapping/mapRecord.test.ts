import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { mapFields, mapRecord, mergedAttributes, missingRequiredColumns } from '../../src/mapping/mapRecord';
import { normalizedEvent } from '../support/events';

const map = loadConfigFile('config/entity-map.v1.json', entityMapSchema);
const reservationRule = map.entities.re_reservation;
if (!reservationRule) throw new Error('default map lacks re_reservation');
const id = '5e5e5e5e-0000-4000-8000-000000000001';
const unit = { logicalName: 're_unit', id: 'AAAAAAAA-0000-4000-8000-000000000002', name: 'MARINA-T1-1203' };
const buyer = { logicalName: 'contact', id: 'bbbbbbbb-0000-4000-8000-000000000003', name: null };

const reservation = {
    re_name: 'RSV-000123',
    re_unitid: unit,
    re_buyerid: buyer,
    re_value: 1250000,
    re_bookingamount: 125000,
    re_reservedon: '2026-11-02T08:00:00.000Z',
    re_status: 100000000,
};

describe('mapRecord', () => {
    it('maps a reservation to domain fields', () => {
        expect(mapRecord('re_reservation', reservationRule, reservation, id)).toEqual({
            ok: true,
            value: {
                reservationId: id,
                reservationNumber: 'RSV-000123',
                unitId: 'aaaaaaaa-0000-4000-8000-000000000002',
                buyerId: 'bbbbbbbb-0000-4000-8000-000000000003',
                value: 1250000,
                bookingAmount: 125000,
                reservedOn: '2026-11-02T08:00:00.000Z',
                status: 'active',
            },
        });
    });

    it('names the missing required column', () => {
        const { re_value: _omit, ...withoutValue } = reservation;
        expect(mapRecord('re_reservation', reservationRule, withoutValue, id)).toEqual({
            ok: false,
            error: {
                code: 'FIELD_REQUIRED',
                field: 're_reservation.re_value',
                reason: 'is required but was not sent',
                message: 're_reservation.re_value is required but was not sent',
            },
        });
    });

    it('names the column whose value has the wrong type', () => {
        expect(mapRecord('re_reservation', reservationRule, { ...reservation, re_status: 'Active' }, id)).toEqual({
            ok: false,
            error: {
                code: 'FIELD_INVALID',
                field: 're_reservation.re_status',
                reason: 'expected an OptionSetValue, got text of 6 characters',
                message: 're_reservation.re_status: expected an OptionSetValue, got text of 6 characters',
            },
        });
    });

    it('maps what it can and names every column it cannot, an unreadable one whatever else supplied it', () => {
        const { re_reservedon: _omit, ...withoutDate } = reservation;
        const mapped = mapFields(
            're_reservation',
            reservationRule,
            { ...withoutDate, re_bookingamount: 'AED 12,500', re_value: 1250000 },
            id,
            { re_value: 'InputParameters[Target].Attributes[re_value]: cannot read a Money without a numeric Value' },
        );
        expect(mapped.problems).toEqual([
            {
                code: 'FIELD_INVALID',
                field: 're_reservation.re_value',
                reason: 'cannot read a Money without a numeric Value',
                message: 're_reservation.re_value: cannot read a Money without a numeric Value',
            },
            {
                code: 'FIELD_INVALID',
                field: 're_reservation.re_bookingamount',
                reason: 'expected a Money value, got text of 10 characters',
                message: 're_reservation.re_bookingamount: expected a Money value, got text of 10 characters',
            },
            {
                code: 'FIELD_REQUIRED',
                field: 're_reservation.re_reservedon',
                reason: 'is required but was not sent',
                message: 're_reservation.re_reservedon is required but was not sent',
            },
        ]);
        // Everything else mapped cleanly; the failed columns are left out, never guessed.
        expect(mapped.data).toEqual({
            reservationId: id,
            reservationNumber: 'RSV-000123',
            unitId: 'aaaaaaaa-0000-4000-8000-000000000002',
            buyerId: 'bbbbbbbb-0000-4000-8000-000000000003',
            status: 'active',
        });
    });

    it('does not count an unreadable required column as missing (reading the row again would not explain it)', () => {
        const { re_value: _omit, ...withoutValue } = reservation;
        expect(missingRequiredColumns(reservationRule, withoutValue)).toEqual(['re_value']);
        expect(missingRequiredColumns(reservationRule, withoutValue, { re_value: 'garbled' })).toEqual([]);
    });

    it('keeps an optional column cleared in the CRM as null', () => {
        const mapped = mapRecord('re_reservation', reservationRule, { ...reservation, re_brokerfirmid: null }, id);
        expect(mapped.ok && mapped.value.brokerFirmId).toBeNull();
    });

    it('merges images under the changed columns and reports what is still missing', () => {
        const event = normalizedEvent({
            entity: 're_reservation',
            recordId: id,
            messageName: 'Update',
            target: { re_status: 100000001 },
            preImages: { PreImage: { re_status: 100000000, re_name: 'RSV-000123' } },
            postImages: { PostImage: { re_value: 1250000 } },
        });
        const merged = mergedAttributes(event);
        expect(merged).toEqual({ re_status: 100000001, re_name: 'RSV-000123', re_value: 1250000 });
        expect(missingRequiredColumns(reservationRule, merged)).toEqual([
            're_unitid',
            're_buyerid',
            're_bookingamount',
            're_reservedon',
        ]);
    });
});
