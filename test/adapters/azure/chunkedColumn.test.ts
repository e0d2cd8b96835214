import { describe, expect, it } from 'vitest';
import { fromChunkedColumns, toChunkedColumns } from '../../../src/adapters/azure/chunkedColumn';

describe('chunked columns', () => {
    it('keeps a short text in one column of the given name', () => {
        expect(toChunkedColumns('envelope', '{"a":1}')).toEqual({ envelope: '{"a":1}' });
        expect(toChunkedColumns('envelope', '')).toEqual({ envelope: '' });
    });

    it('spreads a long text over numbered columns of at most 30 000 characters and joins it again', () => {
        const text = 'x'.repeat(65_000);
        const columns = toChunkedColumns('envelope', text);
        expect(Object.entries(columns).map(([name, part]) => [name, part.length])).toEqual([
            ['envelope', 30_000],
            ['envelope_1', 30_000],
            ['envelope_2', 5_000],
        ]);
        expect(fromChunkedColumns(columns, 'envelope')).toBe(text);
    });

    it('never splits a surrogate pair between two columns', () => {
        const text = `${'x'.repeat(29_999)}🏢${'y'.repeat(10)}`;
        const columns = toChunkedColumns('envelope', text);
        expect([columns.envelope?.length, columns.envelope_1?.slice(0, 3)]).toEqual([29_999, '🏢y']);
        expect(fromChunkedColumns(columns, 'envelope')).toBe(text);
    });

    it('answers undefined when the column is absent and ignores unrelated columns', () => {
        expect(fromChunkedColumns({ state: 'queued' }, 'lastFailure')).toBeUndefined();
        expect(fromChunkedColumns({ lastFailure: 'a', lastFailure_2: 'c', envelope: 'e' }, 'lastFailure')).toBe('a');
    });
});
