import { describe, expect, it } from 'vitest';
import { normalizeAttributes, toNormalizedValue } from '../../src/dataverse/typedValue';

const contracts = 'http://schemas.microsoft.com/xrm/2011/Contracts';
const path = 'InputParameters[Target].Attributes[re_value]';

function convert(raw: unknown) {
    return toNormalizedValue(raw, path);
}

describe('toNormalizedValue', () => {
    it('passes plain JSON values through', () => {
        expect(convert(null)).toEqual({ ok: true, value: null });
        expect(convert(true)).toEqual({ ok: true, value: true });
        expect(convert(2365.12)).toEqual({ ok: true, value: 2365.12 });
        expect(convert('a\nb')).toEqual({ ok: true, value: 'a\nb' });
    });

    it('lowercases GUID strings', () => {
        expect(convert('6D81597F-0F9F-E711-8122-000D3AA2331C')).toEqual({
            ok: true,
            value: '6d81597f-0f9f-e711-8122-000d3aa2331c',
        });
    });

    it('turns Money and OptionSetValue into numbers', () => {
        expect(convert({ __type: `Money:${contracts}`, Value: 483000000.0 })).toEqual({ ok: true, value: 483000000 });
        expect(convert({ __type: `OptionSetValue:${contracts}`, Value: 100000001 })).toEqual({
            ok: true,
            value: 100000001,
        });
    });

    it('turns a bare array of OptionSetValue (multi-select) into numbers', () => {
        const raw = [
            { __type: `OptionSetValue:${contracts}`, Value: 100000001 },
            { __type: `OptionSetValue:${contracts}`, Value: 100000003 },
        ];
        expect(convert(raw)).toEqual({ ok: true, value: [100000001, 100000003] });
        expect(convert([])).toEqual({ ok: true, value: [] });
    });

    it('turns an EntityReference into logicalName, lowercase id and name', () => {
        const raw = {
            __type: `EntityReference:${contracts}`,
            Id: '4A6F3E21-7C5B-F011-8C4D-6045BD8A4D31',
            KeyAttributes: [],
            LogicalName: 're_unit',
            Name: 'MARINA-T1-1203',
            RowVersion: null,
        };
        expect(convert(raw)).toEqual({
            ok: true,
            value: { logicalName: 're_unit', id: '4a6f3e21-7c5b-f011-8c4d-6045bd8a4d31', name: 'MARINA-T1-1203' },
        });
        expect(convert({ ...raw, Name: null })).toEqual({
            ok: true,
            value: { logicalName: 're_unit', id: '4a6f3e21-7c5b-f011-8c4d-6045bd8a4d31', name: null },
        });
    });

    it('reads an untyped reference (as OwningExtension is written) and tolerates a missing Name', () => {
        expect(convert({ Id: 'abc', LogicalName: 'sdkmessageprocessingstep' })).toEqual({
            ok: true,
            value: { logicalName: 'sdkmessageprocessingstep', id: 'abc', name: null },
        });
    });

    it('turns DateTime strings into ISO 8601 UTC, never applying the offset suffix', () => {
        expect(convert('/Date(1506384247000)/')).toEqual({ ok: true, value: '2017-09-26T00:04:07.000Z' });
        expect(convert('/Date(1506409448000-0700)/')).toEqual({ ok: true, value: '2017-09-26T07:04:08.000Z' });
    });

    it('turns an Entity, typed or not, into its attribute map', () => {
        const attributes = [
            { key: 'fullname', value: 'Layla Haddad (sample)' },
            { key: 're_status', value: { __type: `OptionSetValue:${contracts}`, Value: 1 } },
        ];
        const expected = { ok: true, value: { fullname: 'Layla Haddad (sample)', re_status: 1 } };
        expect(convert({ __type: `Entity:${contracts}`, Attributes: attributes, LogicalName: 'contact' })).toEqual(
            expected,
        );
        expect(
            convert({ Attributes: attributes, EntityState: null, FormattedValues: [], LogicalName: 'contact' }),
        ).toEqual(expected);
    });

    it('turns an EntityCollection into one attribute map per member', () => {
        const raw = {
            __type: `EntityCollection:${contracts}`,
            Entities: [
                {
                    Attributes: [
                        {
                            key: 'partyid',
                            value: {
                                __type: `EntityReference:${contracts}`,
                                Id: 'A1',
                                LogicalName: 'contact',
                                Name: null,
                            },
                        },
                        { key: 'participationtypemask', value: { __type: `OptionSetValue:${contracts}`, Value: 5 } },
                    ],
                    LogicalName: 'activityparty',
                },
            ],
            EntityName: 'activityparty',
            MinActiveRowVersion: '-1',
            MoreRecords: false,
            PagingCookie: null,
            TotalRecordCount: -1,
            TotalRecordCountLimitExceeded: false,
        };
        expect(convert(raw)).toEqual({
            ok: true,
            value: [{ partyid: { logicalName: 'contact', id: 'a1', name: null }, participationtypemask: 5 }],
        });
    });

    it('names the path and the type of an unknown __type', () => {
        expect(convert({ __type: `AliasedValue:${contracts}`, Value: 1 })).toEqual({
            ok: false,
            error: { code: 'UNSUPPORTED_VALUE', message: `${path}: unsupported Dataverse type "AliasedValue"`, path },
        });
    });

    it.each([
        [{ __type: `Money:${contracts}`, Value: '10.01' }, path, 'a Money without a numeric Value'],
        [{ __type: `OptionSetValue:${contracts}` }, path, 'an OptionSetValue without a numeric Value'],
        [
            { __type: `EntityReference:${contracts}`, LogicalName: 'contact' },
            path,
            'an EntityReference without Id and LogicalName',
        ],
        [{ __type: `Entity:${contracts}`, LogicalName: 'contact' }, path, 'an Entity without an Attributes array'],
        [{ __type: `EntityCollection:${contracts}` }, path, 'an EntityCollection without an Entities array'],
        [{ __type: 42 }, path, 'a __type that is not a string'],
        [{ Value: 1 }, path, 'an object without __type that is neither an Entity nor an EntityReference'],
        [[{ __type: `Money:${contracts}`, Value: 1 }], `${path}[0]`, 'an array member that is not an OptionSetValue'],
        [['x'], `${path}[0]`, 'an array member that is not an OptionSetValue'],
        ['/Date(8640000000000001)/', path, 'a DateTime out of range (/Date(8640000000000001)/)'],
        [Number.POSITIVE_INFINITY, path, 'a non-finite number'],
    ])('refuses %j', (raw, where, what) => {
        expect(convert(raw)).toEqual({
            ok: false,
            error: { code: 'UNSUPPORTED_VALUE', message: `${where}: cannot read ${what}`, path: where },
        });
    });

    it('points into an EntityCollection member when one of its values is unsupported', () => {
        const raw = {
            __type: `EntityCollection:${contracts}`,
            Entities: [{ Attributes: [{ key: 'addressused', value: { __type: `Unheard:${contracts}` } }] }],
        };
        const where = `${path}.Entities[0].Attributes[addressused]`;
        expect(convert(raw)).toEqual({
            ok: false,
            error: {
                code: 'UNSUPPORTED_VALUE',
                message: `${where}: unsupported Dataverse type "Unheard"`,
                path: where,
            },
        });
    });
});

describe('normalizeAttributes', () => {
    it('builds a map keyed by column, the last duplicate winning', () => {
        const result = normalizeAttributes(
            [
                { key: 're_floor', value: 11 },
                { key: 're_floor', value: 12 },
                { key: 're_code', value: 'MARINA-T1-1203' },
            ],
            'PostEntityImages[PostImage].Attributes',
        );
        expect(result).toEqual({ ok: true, value: { re_floor: 12, re_code: 'MARINA-T1-1203' } });
    });

    it('keeps a column named __proto__ as data, never as the prototype', () => {
        const result = normalizeAttributes([{ key: '__proto__', value: 'x' }], 'Attributes');
        expect(result.ok).toBe(true);
        expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
        expect(Object.keys(result.value ?? {})).toEqual(['__proto__']);
    });

    it('names the column of the first value it cannot read', () => {
        const result = normalizeAttributes(
            [
                { key: 're_name', value: 'RSV-000123' },
                { key: 're_value', value: { __type: `Money:${contracts}` } },
            ],
            'InputParameters[Target].Attributes',
        );
        expect(result).toEqual({
            ok: false,
            error: { code: 'UNSUPPORTED_VALUE', message: `${path}: cannot read a Money without a numeric Value`, path },
        });
    });
});
