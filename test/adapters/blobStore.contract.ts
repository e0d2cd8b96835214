import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/ports/blobStore';

/** What every BlobStore must do; the Azure adapter (on Azurite) and the in-memory twin both run it. */
export function runBlobStoreContract(name: string, make: () => Promise<BlobStore>): void {
    describe(`BlobStore contract: ${name}`, () => {
        it('streams a file that appears only once closed, byte for byte', async () => {
            const store = await make();
            const writer = await store.create('b1/contacts.csv', 'text/csv');
            await writer.write('id,name\n');
            await writer.write('1,Ünal Şahin — عبد الله\n');
            expect(await store.read('b1/contacts.csv')).toBeUndefined();
            const { bytes } = await writer.close();
            const text = await store.read('b1/contacts.csv');
            expect(text).toBe('id,name\n1,Ünal Şahin — عبد الله\n');
            expect(bytes).toBe(Buffer.byteLength(text ?? ''));
        });

        it('keeps nothing of an aborted file', async () => {
            const store = await make();
            const writer = await store.create('b2/units.json', 'application/json');
            await writer.write('{"rows":[');
            await writer.abort(new Error('the CRM stopped answering'));
            expect(await store.read('b2/units.json')).toBeUndefined();
            expect(await store.list('b2/')).toEqual([]);
        });

        it('writes a file larger than one upload block through back-pressure', async () => {
            const store = await make();
            const writer = await store.create('b3/big.csv', 'text/csv');
            const line = `${'x'.repeat(1023)}\n`;
            for (let i = 0; i < 9 * 1024; i++) await writer.write(line);
            const { bytes } = await writer.close();
            expect(bytes).toBe(9 * 1024 * 1024);
            const text = await store.read('b3/big.csv');
            expect(text?.length).toBe(9 * 1024 * 1024);
            expect(text?.endsWith(line)).toBe(true);
        });

        it('replaces small files whole, lists by prefix in name order, and reads nothing for a missing path', async () => {
            const store = await make();
            await store.put('b4/manifest.json', 'application/json', '{"status":"running"}');
            await store.put('b4/manifest.json', 'application/json', '{"status":"complete"}');
            await store.put('b4/a.csv', 'text/csv', 'a');
            await store.put('b5/a.csv', 'text/csv', 'a');
            expect(await store.read('b4/manifest.json')).toBe('{"status":"complete"}');
            expect(await store.list('b4/')).toEqual(['b4/a.csv', 'b4/manifest.json']);
            expect(await store.read('b4/none.json')).toBeUndefined();
        });
    });
}
