import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../local/azurite';
import { TableAlertStore } from '../../src/adapters/azure/tableAlertStore';
import { TableNoticeStore } from '../../src/adapters/azure/tableNoticeStore';
import { runNotifications } from '../../src/notifications/notificationRun';
import { anyState } from '../support/anyState';
import { unitTransaction } from '../support/pipelineWorld';
import { notificationWorld, type World } from './notificationWorld';

/**
 * The launch-weekend storm on the stores Azure uses (Table Storage on Azurite) and the real Graph client against
 * the Graph sandbox. Prints how long each pass took (`STORM_TIMINGS=1`); asserts only outcomes, never times.
 */
let azurite: AzuriteInstance;
let w: World;

beforeAll(async () => {
    azurite = await startAzurite({ location: mkdtempSync(join(tmpdir(), 'azurite-')) });
    w = await notificationWorld();
}, 120_000);

afterAll(async () => {
    await w?.close();
    await azurite?.stop();
});

describe('a storm on Table Storage', () => {
    it('500 identical failures: one card counted 500 on the first pass, nothing posted or counted again after', async () => {
        const conn = { connectionString: azurite.connectionString };
        const deps = {
            ...w.deps,
            alerts: await TableAlertStore.create(conn, { alerts: 'stormAlerts', members: 'stormMembers' }),
            notices: await TableNoticeStore.create(conn, 'stormNotices'),
        };
        const failure = {
            class: 'defect' as const,
            code: 'LOOKUP_MISSING',
            message: 'm',
            owner: 'integration' as const,
        };
        for (let i = 0; i < 500; i++) {
            const e = unitTransaction(String(1000 + i), 'receipt', 1);
            await w.store.recordAccepted(e, '2026-11-10T08:00:00.000Z');
            await w.store.updateState(
                e.transactionId,
                { from: anyState, state: 'review', lastFailure: failure },
                '2026-11-10T08:30:00Z',
            );
        }
        const timings: number[] = [];
        for (let pass = 0; pass < 3; pass++) {
            const started = performance.now();
            const report = await runNotifications(deps);
            timings.push(Math.round(performance.now() - started));
            expect(report.alerts.raised).toBe(pass === 0 ? 1 : 0);
            expect(report.alerts.grown).toBe(0);
        }
        if (process.env.STORM_TIMINGS) console.log(`storm passes (ms): ${timings.join(', ')}`);
        expect(w.graph.channelMessages).toHaveLength(1);
        expect(w.graph.mailbox).toHaveLength(1);
        expect(await deps.alerts.list({ max: 5 })).toMatchObject([{ count: 500, state: 'open' }]);
        const [alert] = await deps.alerts.list({ max: 1 });
        expect((await deps.alerts.listMembers(alert?.id ?? '')).size).toBe(500);
    }, 120_000);
});
