import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxGraphTokens } from '../../local/sandboxIdentity';
import { GraphNotifier } from '../../src/adapters/graph/graphNotifier';
import { MemoryCallMeter } from '../../src/adapters/memory/memoryCallMeter';
import { MemorySweepRunStore } from '../../src/adapters/memory/memorySweepRunStore';
import { buildDailySummary, sendDailySummary, summaryCard, summaryHtml } from '../../src/notifications/dailySummary';
import { sweepRun } from '../contract/sweepRunStore.contract';
import { anyState } from '../support/anyState';
import { unitTransaction } from '../support/pipelineWorld';
import { notificationWorld, type World } from './notificationWorld';

let w: World;
let meter: MemoryCallMeter;

beforeEach(async () => {
    w = await notificationWorld('2026-11-10T19:00:00.000Z');
    meter = new MemoryCallMeter();
    const day = '2026-11-10';
    for (let i = 0; i < 6; i++) await meter.record({ day, type: 'receipt', attempt: 'first', outcome: 'ok' });
    await meter.record({ day, type: 'receipt', attempt: 'retry', outcome: 'transient' });
    await meter.record({ day, type: 'receipt', attempt: 'retry', outcome: 'ok' });
    await meter.record({ day, type: 'instalment', attempt: 'first', outcome: 'blocked' });
    await meter.record({ day, type: 'probe', attempt: 'probe', outcome: 'defect' });
    const put = async (kind: 'receipt' | 'instalment' | 'reservation', n: number, state: string, date: string) => {
        const e = unitTransaction(`${kind}${n}`, kind, n, { date });
        await w.store.recordAccepted(e, date);
        if (state !== 'queued')
            await w.store.updateState(e.transactionId, { from: anyState, state: state as 'review' }, date);
    };
    await put('receipt', 1, 'confirmed', '2026-11-10T08:00:00.000Z');
    await put('receipt', 2, 'confirmed', '2026-11-10T09:00:00.000Z');
    await put('receipt', 3, 'review', '2026-11-10T10:00:00.000Z');
    await put('instalment', 1, 'parked', '2026-11-10T11:00:00.000Z');
    await put('reservation', 1, 'deadLettered', '2026-11-10T12:00:00.000Z');
    await put('reservation', 2, 'review', '2026-11-09T07:00:00.000Z'); // the day before: in the queue, not in the day
    await w.conditions.open({
        key: 'MARINA-T1 below 70%',
        kind: 'milestone',
        owner: 'project',
        since: '2026-11-10T11:00:00.000Z',
        details: {},
    });
    await w.conditions.addParkedSession('MARINA-T1 below 70%', 'unit-instalment1');
});

afterEach(async () => {
    await w.close();
});

const deps = () => ({ ...w.deps, meter, dailyRetryBudget: 20 });

describe('end-of-day summary', () => {
    it('counts the day by type and outcome, failure rates by class, parked by condition, review queue and meter', async () => {
        const s = await buildDailySummary(deps(), '2026-11-10');
        expect(s.transactions.total).toBe(5);
        expect(s.transactions.byType.receipt).toEqual({ total: 3, byOutcome: { confirmed: 2, review: 1 } });
        expect(s.transactions.byType.instalment).toEqual({ total: 1, byOutcome: { parked: 1 } });
        expect(s.transactions.byType.reservation).toEqual({ total: 1, byOutcome: { deadLettered: 1 } });
        expect(s.failureRateByClass).toEqual({ transient: 0.1, defect: 0.1, blocked: 0.1, duplicate: 0 });
        expect(s.parked).toEqual([
            {
                condition: 'MARINA-T1 below 70%',
                owner: 'project',
                since: '2026-11-10T11:00:00.000Z',
                ageMinutes: 480,
                parkedUnits: 1,
            },
        ]);
        expect(s.reviewQueue).toMatchObject({
            size: 3,
            deadLettered: 1,
            oldest: { type: 'reservation', since: '2026-11-09T07:00:00.000Z' },
        });
        expect(s.retryMeter).toEqual({
            erpCalls: 10,
            firstAttempts: 7,
            retries: 2,
            probes: 1,
            budget: 20,
            budgetUsed: 0.1,
        });
        expect(s.truncated).toBe(false);
    });

    it('reports the last sweep for missed events by the end of the date, in the figures, the card and the mail', async () => {
        const runs = new MemorySweepRunStore();
        expect((await buildDailySummary({ ...deps(), sweepRuns: runs }, '2026-11-10')).sweep).toBeUndefined();
        await runs.save(sweepRun('2026-11-09T18:00:00.000Z'));
        await runs.save(
            sweepRun('2026-11-10T18:00:00.000Z', {
                status: 'incomplete',
                tables: [
                    {
                        entity: 'contact',
                        rowsRead: 40,
                        replayed: 0,
                        alreadyPresent: 40,
                        ignored: 0,
                        failed: 0,
                        pages: 1,
                        complete: true,
                    },
                    {
                        entity: 're_receipt',
                        rowsRead: 9,
                        replayed: 3,
                        alreadyPresent: 6,
                        ignored: 0,
                        failed: 0,
                        pages: 2,
                        complete: false,
                    },
                ],
                totals: { rowsRead: 49, replayed: 3, alreadyPresent: 46, ignored: 0, failed: 0 },
            }),
        );
        await runs.save(sweepRun('2026-11-11T18:00:00.000Z'));
        const s = await buildDailySummary({ ...deps(), sweepRuns: runs }, '2026-11-10');
        expect(s.sweep).toEqual({
            id: expect.stringMatching(/^2026-11-10T18-00-00Z-/),
            status: 'incomplete',
            startedAt: '2026-11-10T18:00:00.000Z',
            window: { since: '2026-11-09T18:00:00.000Z', until: '2026-11-10T18:00:00.000Z' },
            totals: { rowsRead: 49, replayed: 3, alreadyPresent: 46, ignored: 0, failed: 0 },
            incompleteTables: ['re_receipt'],
        });
        const line =
            'incomplete (2026-11-09T18:00:00.000Z to 2026-11-10T18:00:00.000Z): 49 rows read, 3 missed events replayed, 46 already present, 0 failed; not read to the end: re_receipt';
        expect(JSON.stringify(summaryCard(s))).toContain(JSON.stringify({ title: 'Missed-event sweep', value: line }));
        expect(summaryHtml(s)).toContain(`<h3>Missed-event sweep</h3><p>${line}</p>`);
    });

    it('goes to each summary contact by Teams and e-mail, once per date; a throttled delivery is waited out', async () => {
        await w.setFaults({ throttle: true });
        const waits: number[] = [];
        const throttledDeps = {
            ...deps(),
            sleep: async (ms: number) => {
                waits.push(ms);
                await w.setFaults({});
            },
        };
        const first = await sendDailySummary(throttledDeps, '2026-11-10');
        expect(waits).toEqual([2000]);
        expect(first.failed).toEqual([]);
        expect(first.sent).toHaveLength(6);
        expect(w.graph.channelMessages.map((m) => m.channelId)).toEqual([
            '19:integration-alerts@thread.tacv2',
            '19:finance-integration@thread.tacv2',
            '19:sales-ops-integration@thread.tacv2',
        ]);
        expect(w.graph.mailbox.map((m) => m.subject)).toEqual(Array(3).fill('Integration summary 2026-11-10'));
        expect(w.graph.mailbox[0]?.content).toContain('MARINA-T1 below 70%');
        expect(JSON.stringify(w.graph.channelMessages[0]?.cards)).toContain(
            '"title":"receipt","value":"3: review 1, confirmed 2"',
        );
        const second = await sendDailySummary(deps(), '2026-11-10');
        expect(second.sent).toEqual([]);
        expect(w.graph.channelMessages).toHaveLength(3);
    });

    it('what still fails after its attempts is reported and sent by the next run', async () => {
        await w.setFaults({ down: true });
        const down = await sendDailySummary({ ...deps(), sleep: async () => {} }, '2026-11-10');
        expect(down.failed).toHaveLength(6);
        expect(w.logs.filter((l) => l.message === 'daily summary not delivered')).toHaveLength(6);
        await w.setFaults({});
        expect((await sendDailySummary(deps(), '2026-11-10')).sent).toHaveLength(6);
    });

    it('a channel that refuses the app (wrong identity) is an alert per channel; the mail goes; the next run posts', async () => {
        const tokens = sandboxGraphTokens(w.graph);
        // Posting with the managed identity's own token is what Graph refuses (403): the Teams app is not used.
        const asManagedIdentity = new GraphNotifier({
            baseUrl: `${w.graph.url}/`,
            sharedMailbox: 'handover@contoso-developments.example',
            getToken: tokens.getToken,
            getChannelToken: tokens.getToken,
        });
        const refused = await sendDailySummary(
            { ...deps(), notifier: asManagedIdentity, sleep: async () => {} },
            '2026-11-10',
        );
        expect(refused.failed).toEqual(['integration/teams', 'finance/teams', 'salesOperations/teams']);
        expect(w.graph.mailbox).toHaveLength(3);
        const channelAlerts = (await w.alerts.list({ max: 10 })).filter((a) => a.point === 'teamsChannel');
        expect(channelAlerts.map((a) => [a.code, a.failureClass, a.samples])).toEqual(
            Array(3).fill(['TEAMS_FORBIDDEN', 'blocked', ['summary 2026-11-10']]),
        );
        const again = await sendDailySummary(deps(), '2026-11-10');
        expect(again.sent).toEqual(['integration/teams', 'finance/teams', 'salesOperations/teams']);
        const resolved = (await w.alerts.list({ max: 10 })).filter((a) => a.point === 'teamsChannel');
        expect(resolved.map((a) => a.state)).toEqual(['resolved', 'resolved', 'resolved']);
    });
});
