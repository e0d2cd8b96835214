import { describe, expect, it } from 'vitest';
import { formatDataverseDate, looksLikeDataverseDate, parseDataverseDate } from '../../src/dataverse/dataverseDate';

describe('parseDataverseDate', () => {
    it('reads UTC milliseconds since the epoch', () => {
        expect(parseDataverseDate('/Date(1506384247000)/')?.toISOString()).toBe('2017-09-26T00:04:07.000Z');
    });

    it('ignores the offset suffix: the number is already UTC', () => {
        expect(parseDataverseDate('/Date(1506409448000-0700)/')?.toISOString()).toBe('2017-09-26T07:04:08.000Z');
        expect(parseDataverseDate('/Date(1506409448000+0000)/')?.toISOString()).toBe('2017-09-26T07:04:08.000Z');
        expect(parseDataverseDate('/Date(1773469800000+0400)/')?.toISOString()).toBe('2026-03-14T06:30:00.000Z');
    });

    it('tolerates the escaped slashes of a value that was not JSON-decoded', () => {
        expect(parseDataverseDate('\\/Date(1506384247000)\\/')?.toISOString()).toBe('2017-09-26T00:04:07.000Z');
    });

    it('reads instants before 1970', () => {
        expect(parseDataverseDate('/Date(-86400000)/')?.toISOString()).toBe('1969-12-31T00:00:00.000Z');
    });

    it.each([
        ['an ISO string', '2017-09-26T00:04:07Z'],
        ['no slashes', 'Date(1506384247000)'],
        ['a non-numeric body', '/Date(abc)/'],
        ['a short offset', '/Date(1506384247000+07)/'],
        ['an offset past 14 hours', '/Date(1506384247000+1500)/'],
        ['offset minutes past 59', '/Date(1506384247000+0160)/'],
        ['an instant outside the Date range', '/Date(8640000000000001)/'],
        ['trailing text', '/Date(1506384247000)/x'],
    ])('rejects %s', (_what, input) => {
        expect(parseDataverseDate(input)).toBeUndefined();
    });
});

describe('looksLikeDataverseDate', () => {
    it('tells the wire form from other strings, even when the instant is out of range', () => {
        expect(looksLikeDataverseDate('/Date(8640000000000001)/')).toBe(true);
        expect(looksLikeDataverseDate('/Date(1506409448000-0700)/')).toBe(true);
        expect(looksLikeDataverseDate('RSV-000123')).toBe(false);
    });
});

describe('formatDataverseDate', () => {
    it('writes the UTC form without an offset suffix', () => {
        expect(formatDataverseDate(new Date('2017-09-26T00:04:07.000Z'))).toBe('/Date(1506384247000)/');
        expect(formatDataverseDate(new Date(-86400000))).toBe('/Date(-86400000)/');
    });

    it('round-trips through parseDataverseDate', () => {
        const instant = new Date('2026-03-14T06:30:00.123Z');
        expect(parseDataverseDate(formatDataverseDate(instant))?.getTime()).toBe(instant.getTime());
    });

    it('refuses an invalid Date', () => {
        expect(() => formatDataverseDate(new Date('not a date'))).toThrow(
            'Cannot format an invalid Date as a Dataverse date',
        );
    });
});
