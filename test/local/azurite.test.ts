import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../local/azurite';
import { TableMappingLookup } from '../../src/adapters/azure/tableMappingLookup';

describe('startAzurite', () => {
    it('keeps table data across a restart on the same location (the "Azurite restarted" guarantee)', async () => {
        const location = mkdtempSync(join(tmpdir(), 'azurite-'));
        const first = await startAzurite({ location });
        const port = Number(new URL(first.tableUrl).port);
        const lookup = await TableMappingLookup.create({ connectionString: first.connectionString }, { cacheTtlMs: 0 });
        await lookup.put('buildingCostCentre', 'b-1', 'CC-MARINA-T1');
        await first.stop();

        const second = await startAzurite({ location, tablePort: port });
        try {
            const again = await TableMappingLookup.create(
                { connectionString: second.connectionString },
                { cacheTtlMs: 0 },
            );
            expect(await again.get('buildingCostCentre', 'b-1')).toBe('CC-MARINA-T1');
        } finally {
            await second.stop();
        }
    });

    it('fails with a clear error when the port is taken', async () => {
        const blocker = createServer();
        await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
        const address = blocker.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        try {
            await expect(
                startAzurite({ location: mkdtempSync(join(tmpdir(), 'azurite-')), tablePort: port }),
            ).rejects.toThrow(/Azurite exited with code/);
        } finally {
            blocker.close();
        }
    });
});
