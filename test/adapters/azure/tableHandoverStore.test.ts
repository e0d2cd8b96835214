import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableHandoverStore } from '../../../src/adapters/azure/tableHandoverStore';
import { MemoryHandoverStore } from '../../../src/adapters/memory/memoryHandoverStore';
import type { Handover, HandoverStore } from '../../../src/ports/handoverStore';

let azurite: AzuriteInstance;
beforeAll(async () => {
    azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'azurite-')) });
});
afterAll(async () => {
    await azurite?.stop();
});

const handover = (key: string): Handover => ({
    key,
    unitId: 'u',
    unitCode: 'MARINA-T1-1203',
    ownerId: 'o',
    readyOn: '2026-12-01',
    createdAt: 'now',
    transactionId: 't',
    notice: 'pending',
});

for (const [name, create] of [
    [
        'Table Storage (Azurite)',
        () => TableHandoverStore.create({ connectionString: azurite.connectionString }, `h${Date.now().toString(36)}`),
    ],
    ['in-memory twin', async () => new MemoryHandoverStore()],
] as Array<[string, () => Promise<HandoverStore>]>) {
    describe(`HandoverStore: ${name}`, () => {
        it('opens a handover once; a second open with the same key says it exists', async () => {
            const store = await create();
            expect(await store.open(handover('u:2026-12-01'))).toBe('created');
            expect(await store.open({ ...handover('u:2026-12-01'), transactionId: 'other' })).toBe('exists');
            expect((await store.get('u:2026-12-01'))?.transactionId).toBe('t');
            expect((await store.listPending(10)).map((h) => h.key)).toEqual(['u:2026-12-01']);
        });
    });
}
