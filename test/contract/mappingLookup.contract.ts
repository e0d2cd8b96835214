import { describe, expect, it } from 'vitest';
import type { MappingLookup } from '../../src/ports/mappingLookup';

/** Keys a RowKey or PartitionKey could not hold as they are, plus look-alikes of their escaped forms. */
export const awkwardKeys = [
    'AG/7',
    'AG\\7',
    'AG#7',
    'AG?7',
    'AG%7',
    'AG%2F7',
    'tab\tnew\nline\u0001',
    'del\u007f',
    'Ünïcode 🏢',
];

/** Behaviours every MappingLookup must show (Table Storage on Azurite and the in-memory twin), exactly. */
export function runMappingLookupContract(name: string, factory: () => Promise<MappingLookup>): void {
    describe(`MappingLookup contract: ${name}`, () => {
        it('answers undefined for an unknown mapping and for an unknown key of a known one', async () => {
            const lookup = await factory();
            await lookup.put('buildingCostCentre', 'b-1', 'CC-1');
            expect(await lookup.get('buildingCostCentre', 'b-2')).toBeUndefined();
            expect(await lookup.get('brokerVendor', 'b-1')).toBeUndefined();
        });

        it('returns what was put, and the latest value after an overwrite', async () => {
            const lookup = await factory();
            await lookup.put('brokerVendor', 'firm-1', 'V-1001');
            expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-1001');
            await lookup.put('brokerVendor', 'firm-1', 'V-2002');
            expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-2002');
            expect(await lookup.list('brokerVendor')).toEqual([{ key: 'firm-1', value: 'V-2002' }]);
        });

        it('sees a put at once even after the key was read as missing', async () => {
            const lookup = await factory();
            expect(await lookup.get('agentVendor', 'AG-1')).toBeUndefined();
            await lookup.put('agentVendor', 'AG-1', 'V-1');
            expect(await lookup.get('agentVendor', 'AG-1')).toBe('V-1');
        });

        it('keeps mappings apart', async () => {
            const lookup = await factory();
            await lookup.put('agentVendor', 'AG-7', 'V-7');
            await lookup.put('agentVendor2', 'AG-7', 'V-8');
            expect(await lookup.get('agentVendor', 'AG-7')).toBe('V-7');
            expect(await lookup.get('agentVendor2', 'AG-7')).toBe('V-8');
            expect(await lookup.list('agentVendor')).toEqual([{ key: 'AG-7', value: 'V-7' }]);
        });

        it('stores and lists keys and mapping names with characters a table key forbids, each apart', async () => {
            const lookup = await factory();
            for (const [i, key] of awkwardKeys.entries()) await lookup.put('odd/map#?', key, `V-${i}`);
            for (const [i, key] of awkwardKeys.entries()) expect(await lookup.get('odd/map#?', key)).toBe(`V-${i}`);
            expect(await lookup.get('odd/map#?', 'AG%2f7')).toBeUndefined();
            const expected = awkwardKeys.map((key, i) => ({ key, value: `V-${i}` }));
            expect(await lookup.list('odd/map#?')).toEqual(
                expected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
            );
        });

        it('lists in code-unit order of the keys (not locale order), and nothing for an unknown mapping', async () => {
            const lookup = await factory();
            for (const key of ['b', 'a', 'B', 'a-2', 'A']) await lookup.put('case', key, key.toUpperCase());
            expect((await lookup.list('case')).map((r) => r.key)).toEqual(['A', 'B', 'a', 'a-2', 'b']);
            expect(await lookup.list('unknown')).toEqual([]);
        });
    });
}
