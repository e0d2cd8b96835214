import { describe, expect, it } from 'vitest';
import { judgeCompleteness } from '../../src/backup/completeness';

describe('judgeCompleteness', () => {
    const base = { expected: 10, capped: false, exported: 10, distinctIds: 10 };

    it('is complete when every counted row was written once', () => {
        expect(judgeCompleteness(base)).toEqual({ complete: true });
    });

    it('is incomplete when rows are missing, naming both counts', () => {
        expect(judgeCompleteness({ ...base, exported: 9, distinctIds: 9 })).toEqual({
            complete: false,
            problem: 'exported 9 rows, the source counted 10 at the start',
        });
    });

    it('accepts the count at the end when the table changed during the export', () => {
        expect(judgeCompleteness({ ...base, expectedAtEnd: 11, exported: 11, distinctIds: 11 })).toEqual({
            complete: true,
        });
    });

    it('is incomplete when more rows arrive than were counted at either end', () => {
        expect(judgeCompleteness({ ...base, expectedAtEnd: 10, exported: 12, distinctIds: 12 }).complete).toBe(false);
    });

    it('never calls a repeated row complete, even when the total matches', () => {
        expect(judgeCompleteness({ ...base, distinctIds: 9 })).toEqual({
            complete: false,
            problem: '1 of 10 rows were read more than once',
        });
    });

    it('treats a capped count as a lower bound', () => {
        expect(judgeCompleteness({ expected: 5000, capped: true, exported: 7000, distinctIds: 7000 }).complete).toBe(
            true,
        );
        expect(judgeCompleteness({ expected: 5000, capped: true, exported: 4999, distinctIds: 4999 }).complete).toBe(
            false,
        );
    });

    it('is incomplete without a count to check against', () => {
        expect(judgeCompleteness({ ...base, expected: null })).toEqual({
            complete: false,
            problem: 'the source gave no row count to check against',
        });
    });
});
