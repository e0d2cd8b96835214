import { describe, expect, it } from 'vitest';
import { decodeTableKey, encodeTableKey } from '../../../src/adapters/azure/tableKey';

describe('table keys', () => {
    it('escapes exactly the characters a PartitionKey or RowKey forbids, and the escape character', () => {
        expect(encodeTableKey('a/b\\c#d?e%f\u0000\u001f\u007f\u009f')).toBe('a%2Fb%5Cc%23d%3Fe%25f%00%1F%7F%9F');
    });

    it('leaves ids and readable keys as they are', () => {
        for (const key of ['6f9619ff-8b86-d011-b42d-00c04fc964ff', 'Marina Tower 1', 'Ünïcode 🏢', '']) {
            expect(encodeTableKey(key)).toBe(key);
        }
    });

    it('decodes back to the original, also for text that looks like an escape', () => {
        for (const key of ['AG%2F7', '%%25', 'a/b#c?d\\e\t', '%zz', '%2f']) {
            expect(decodeTableKey(encodeTableKey(key))).toBe(key);
        }
    });
});
