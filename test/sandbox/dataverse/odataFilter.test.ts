import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../sandbox/dataverse/odataFilter';

const rows = [
    { name: 'a', modifiedon: '2026-11-09T11:59:59.999Z', versionnumber: 10 },
    { name: 'b', modifiedon: '2026-11-09T12:00:00.000Z', versionnumber: 20 },
    { name: 'c', modifiedon: '2026-11-09T15:59:59.000Z', versionnumber: 30 },
    { name: 'd', modifiedon: '2026-11-09T16:00:00.000Z', versionnumber: 40 },
    { name: 'e', versionnumber: 50 },
];
const pick = (filter: string) => rows.filter(parseFilter(filter)).map((r) => r.name);

describe('the sandbox $filter', () => {
    it('compares dates as points in time: ge includes the bound, lt excludes it, offsets count', () => {
        expect(pick('modifiedon ge 2026-11-09T12:00:00Z and modifiedon lt 2026-11-09T16:00:00Z')).toEqual(['b', 'c']);
        expect(pick('modifiedon gt 2026-11-09T16:00:00+04:00')).toEqual(['c', 'd']);
        expect(pick('modifiedon le 2026-11-09T12:00:00.000Z')).toEqual(['a', 'b']);
        expect(pick('modifiedon eq 2026-11-09T16:00:00Z')).toEqual(['d']);
    });

    it('orders numbers, and refuses an ordering against text or a malformed date', () => {
        expect(pick('versionnumber gt 20 and not (versionnumber ge 50)')).toEqual(['c', 'd']);
        expect(() => parseFilter("name gt 'b'")).toThrow(/needs a number or a date/);
        expect(() => parseFilter('modifiedon ge 2026-13-45T99:00:00Z')).toThrow(/is not a date/);
        expect(() => parseFilter('modifiedon ge')).toThrow(/ends too early/);
    });
});
