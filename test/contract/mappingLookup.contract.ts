import { describe, expect, it } from 'vitest';
import type { MappingLookup } from '../../src/ports/mappingLookup';

/** Behaviours every MappingLookup must show. */
export function runMappingLookupContract(name: string, factory: () => Promise<MappingLookup>): void {
    describe(`MappingLookup contract: ${name}`, () => {
        it('answers undefined for a key with no row', async () => {
            const lookup = await factory();
            expect(await lookup.get('buildingCostCentre', 'unknown')).toBeUndefined();
        });

        it('returns what was put, and the latest value after an overwrite', async () => {
            const lookup = await factory();
            await lookup.put('brokerVendor', 'firm-1', 'V-1001');
            expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-1001');
            await lookup.put('brokerVendor', 'firm-1', 'V-2002');
            expect(await lookup.get('brokerVendor', 'firm-1')).toBe('V-2002');
        });

        it('keeps mappings apart and accepts keys with characters a RowKey forbids', async () => {
            const lookup = await factory();
            await lookup.put('agentVendor', 'AG/7#1?x', 'V-7');
            await lookup.put('agentVendor2', 'AG/7#1?x', 'V-8');
            expect(await lookup.get('agentVendor', 'AG/7#1?x')).toBe('V-7');
            expect(await lookup.list('agentVendor')).toEqual([{ key: 'AG/7#1?x', value: 'V-7' }]);
        });
    });
}
