import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
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
            TableCallMeter.create(connection, table, 5, { othersFreshMs: 0 }),
            TableCallMeter.create(connection, table, 5, { othersFreshMs: 0 }),
        ]);
        for (let i = 0; i < 40; i++) {
            await Promise.all([a.record(call('first')), b.record(call(i % 4 === 0 ? 'retry' : 'first'))]);
            if (i % 10 === 0) await new Promise((r) => setTimeout(r, 10));
        }
        await Promise.all([a.flush(), b.flush()]);
        const day = await a.read('2026-11-30');
        expect(day).toMatchObject({ calls: 80, firstAttempts: 70, retries: 10 });
        expect(day.byType.receipt).toEqual({ calls: 80, retries: 10 });
        // The other instance wrote since `a` last read: the count still adds up.
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

describe('TableCallMeter in a fleet', () => {
    it('lets eight instances flush at once without a conflict, each into its own row, and sums them', async () => {
        const table = `meter${Date.now().toString(36)}f`;
        const connection = { connectionString: azurite.connectionString };
        const fleet = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
                TableCallMeter.create(connection, table, 60_000, { instance: `i${i}`, othersFreshMs: 0 }),
            ),
        );
        for (let round = 0; round < 5; round++) {
            await Promise.all(fleet.map((m, i) => m.record(call(i % 2 === 0 ? 'retry' : 'first'))));
            // All eight write at the same moment: one row each, so none has to retry (a failed write would throw).
            await Promise.all(fleet.map((m) => m.flush()));
        }
        expect(await fleet[3]?.read('2026-11-30')).toMatchObject({ calls: 40, retries: 20, firstAttempts: 20 });
        const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
            allowInsecureConnection: true,
        });
        const rows: string[] = [];
        for await (const row of raw.listEntities()) rows.push(String(row.rowKey));
        expect(rows.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `2026-11-30|i${i}`));
    });

    it("counts a row of the earlier one-row-per-day layout, and another instance's calls once it flushed", async () => {
        const table = `meter${Date.now().toString(36)}l`;
        const connection = { connectionString: azurite.connectionString };
        const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
            allowInsecureConnection: true,
        });
        const mine = await TableCallMeter.create(connection, table, 60_000, { instance: 'me', othersFreshMs: 0 });
        const legacy = {
            day: '2026-11-30',
            calls: 5,
            firstAttempts: 4,
            retries: 1,
            probes: 0,
            byType: {},
            byOutcome: {},
        };
        await raw.createEntity({ partitionKey: 'day', rowKey: '2026-11-30', json: JSON.stringify(legacy) });
        // Another day's row, and a day that sorts between, are not counted.
        await raw.createEntity({ partitionKey: 'day', rowKey: '2026-11-3|x', json: JSON.stringify(legacy) });
        await raw.createEntity({ partitionKey: 'day', rowKey: '2026-11-29|x', json: JSON.stringify(legacy) });
        const other = await TableCallMeter.create(connection, table, 60_000, { instance: 'other' });
        await other.record(call('retry'));
        await mine.record(call('first'));
        expect(await mine.read('2026-11-30')).toMatchObject({ calls: 6, retries: 1, firstAttempts: 5 });
        await other.flush();
        expect(await mine.read('2026-11-30')).toMatchObject({ calls: 7, retries: 2 });
    });

    it("reads the other instances' rows at most once per othersFreshMs, its own count always fresh", async () => {
        const table = `meter${Date.now().toString(36)}c`;
        const connection = { connectionString: azurite.connectionString };
        const mine = await TableCallMeter.create(connection, table, 60_000, { othersFreshMs: 60_000 });
        const other = await TableCallMeter.create(connection, table, 60_000);
        expect((await mine.read('2026-11-30')).calls).toBe(0);
        await other.record(call('first'));
        await other.flush();
        await mine.record(call('first'));
        expect((await mine.read('2026-11-30')).calls).toBe(1);
    });
});
