import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableCallMeter } from '../../../src/adapters/azure/tableCallMeter';
import type { MeteredCall } from '../../../src/ports/callMeter';

let azurite: AzuriteInstance;
beforeAll(async () => {
    azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'azurite-')) });
});
afterAll(async () => {
    await azurite?.stop();
});

const call = (attempt: MeteredCall['attempt'], day = '2026-11-30'): MeteredCall => ({
    day,
    type: 'receipt',
    attempt,
    outcome: 'ok',
});

describe('TableCallMeter (Azurite)', () => {
    it('counts every call of two instances adding to one day at once, without a lost or doubled count', async () => {
        const table = `meter${Date.now().toString(36)}`;
        const connection = { connectionString: azurite.connectionString };
        const [a, b] = await Promise.all([
            TableCallMeter.create(connection, table, 5),
            TableCallMeter.create(connection, table, 5),
        ]);
        for (let i = 0; i < 40; i++) {
            await Promise.all([a.record(call('first')), b.record(call(i % 4 === 0 ? 'retry' : 'first'))]);
            if (i % 10 === 0) await new Promise((r) => setTimeout(r, 10));
        }
        await Promise.all([a.flush(), b.flush()]);
        const day = await a.read('2026-11-30');
        expect(day).toMatchObject({ calls: 80, firstAttempts: 70, retries: 10 });
        expect(day.byType.receipt).toEqual({ calls: 80, retries: 10 });
        // The other instance wrote since `a` last did: a's remembered ETag is stale, and the count still adds up.
        await b.record(call('probe'));
        await b.flush();
        await a.record(call('first'));
        await a.flush();
        expect(await b.read('2026-11-30')).toMatchObject({ calls: 82, probes: 1 });
    });

    it('does not make a posting wait for the write, and a read sees what was recorded before it', async () => {
        const meter = await TableCallMeter.create(
            { connectionString: azurite.connectionString },
            `meter${Date.now().toString(36)}x`,
            60_000,
        );
        await meter.record(call('first', '2026-11-29'));
        await meter.record(call('first', '2026-11-30'));
        expect((await meter.read('2026-11-29')).calls).toBe(1);
        expect((await meter.read('2026-11-30')).calls).toBe(1);
        expect((await meter.read('2026-12-01')).calls).toBe(0);
    });
});
