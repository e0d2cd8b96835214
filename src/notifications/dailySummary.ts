import { transactionTypes } from '../domain/transaction';
import { type TransactionState, transactionStates } from '../domain/transactionRecord';
import type { AlertStore } from '../ports/alertStore';
import type { CallMeter } from '../ports/callMeter';
import type { Clock } from '../ports/clock';
import type { ConditionStore } from '../ports/conditionStore';
import { isGraphThrottledError } from '../ports/graphErrors';
import type { Logger } from '../ports/logger';
import type { Notifier } from '../ports/notifier';
import type { SweepRunStore } from '../ports/sweepRunStore';
import type { TransactionStore } from '../ports/transactionStore';
import type { SweepRun } from '../sweep/sweepRun';
import { recordChannelFailure, recordChannelSuccess } from './channelFailures';
import { escapeHtml } from './noticeTemplates';
import { contactOf, type OwnerRegistry } from './ownerRegistry';

const failureClasses = ['transient', 'defect', 'blocked', 'duplicate'] as const;

export interface DailySummary {
    date: string;
    generatedAt: string;
    /** Transactions accepted that day, by type and the state they are in now. */
    transactions: {
        total: number;
        byType: Record<string, { total: number; byOutcome: Partial<Record<TransactionState, number>> }>;
    };
    /** ERP calls of the day by failure class, over all calls (first attempts, retries, probes). */
    failureRateByClass: Record<(typeof failureClasses)[number], number>;
    parked: { condition: string; owner: string; since: string; ageMinutes: number; parkedUnits: number }[];
    reviewQueue: {
        size: number;
        deadLettered: number;
        oldest?: { transactionId: string; type: string; since: string };
    };
    retryMeter: {
        erpCalls: number;
        firstAttempts: number;
        retries: number;
        probes: number;
        budget: number;
        budgetUsed: number;
    };
    /**
     * The last sweep for missed Dataverse events that started by the end of the date: rows it found whose event never
     * came (replayed), and whether it read everything. Absent when none ran.
     */
    sweep?: {
        id: string;
        status: SweepRun['status'];
        startedAt: string;
        window: SweepRun['window'];
        totals: SweepRun['totals'];
        /** Tables it could not read to the end (its window is swept again by the next run). */
        incompleteTables: string[];
    };
    /** A listing hit its limit: the counts are lower bounds. */
    truncated: boolean;
}

export interface SummaryDeps {
    store: TransactionStore;
    conditions: ConditionStore;
    meter: CallMeter;
    clock: Clock;
    dailyRetryBudget: number;
    /** Where the sweep's runs are kept; without it the summary says nothing of the sweep. */
    sweepRuns?: Pick<SweepRunStore, 'list'>;
}

/** Runs looked at for the date's last sweep: a sweep runs daily, so a few days of extra on-demand runs fit. */
const sweepRunsScanned = 20;

/**
 * The end-of-day figures for one UTC date. Transactions are listed state by state (the store's only listing
 * besides one CRM record); `scanMax` bounds each listing, and `truncated` says when one was reached.
 */
export async function buildDailySummary(deps: SummaryDeps, date: string, scanMax = 50_000): Promise<DailySummary> {
    const now = deps.clock.now();
    const byType: DailySummary['transactions']['byType'] = {};
    for (const type of transactionTypes) byType[type] = { total: 0, byOutcome: {} };
    let total = 0;
    let truncated = false;
    const review: { transactionId: string; type: string; since: string }[] = [];
    let deadLettered = 0;
    for (const state of transactionStates) {
        const records = await deps.store.listByState(state, scanMax);
        truncated ||= records.length >= scanMax;
        for (const r of records) {
            if (state === 'review' || state === 'deadLettered') {
                review.push({ transactionId: r.envelope.transactionId, type: r.envelope.type, since: r.updatedAt });
                if (state === 'deadLettered') deadLettered += 1;
            }
            if (r.envelope.acceptedAt.slice(0, 10) !== date) continue;
            const entry = byType[r.envelope.type] ?? { total: 0, byOutcome: {} };
            entry.total += 1;
            entry.byOutcome[state] = (entry.byOutcome[state] ?? 0) + 1;
            byType[r.envelope.type] = entry;
            total += 1;
        }
    }
    const meter = await deps.meter.read(date);
    const failureRateByClass = Object.fromEntries(
        failureClasses.map((c) => [c, meter.calls === 0 ? 0 : round((meter.byOutcome[c] ?? 0) / meter.calls)]),
    ) as DailySummary['failureRateByClass'];
    const parked = await Promise.all(
        (await deps.conditions.listActive()).map(async (c) => ({
            condition: c.key,
            owner: c.owner,
            since: c.since,
            ageMinutes: Math.max(0, Math.floor((now.getTime() - Date.parse(c.since)) / 60_000)),
            parkedUnits: (await deps.conditions.parkedSessions(c.key)).length,
        })),
    );
    review.sort((a, b) => a.since.localeCompare(b.since));
    const oldest = review[0];
    const sweep = (await deps.sweepRuns?.list(sweepRunsScanned))?.find((r) => r.startedAt.slice(0, 10) <= date);
    return {
        date,
        generatedAt: now.toISOString(),
        transactions: { total, byType },
        failureRateByClass,
        parked: parked.sort((a, b) => b.ageMinutes - a.ageMinutes),
        reviewQueue: { size: review.length, deadLettered, ...(oldest ? { oldest } : {}) },
        retryMeter: {
            erpCalls: meter.calls,
            firstAttempts: meter.firstAttempts,
            retries: meter.retries,
            probes: meter.probes,
            budget: deps.dailyRetryBudget,
            budgetUsed: round(meter.retries / Math.max(1, deps.dailyRetryBudget)),
        },
        ...(sweep
            ? {
                  sweep: {
                      id: sweep.id,
                      status: sweep.status,
                      startedAt: sweep.startedAt,
                      window: sweep.window,
                      totals: sweep.totals,
                      incompleteTables: sweep.tables.filter((t) => !t.complete).map((t) => t.entity),
                  },
              }
            : {}),
        truncated,
    };
}

/** The sweep in one line: what it read, what had been missed, and whether it read everything. */
function sweepLine(s: DailySummary): string {
    const sweep = s.sweep;
    if (!sweep) return 'no run yet';
    const t = sweep.totals;
    const incomplete =
        sweep.incompleteTables.length > 0 ? `; not read to the end: ${sweep.incompleteTables.join(', ')}` : '';
    return (
        `${sweep.status} (${sweep.window.since} to ${sweep.window.until}): ${t.rowsRead} rows read, ` +
        `${t.replayed} missed events replayed, ${t.alreadyPresent} already present, ${t.failed} failed${incomplete}`
    );
}

/**
 * Sends the day's summary to every summary contact's channel and mailbox. Each delivery is recorded once Graph
 * accepted it, so a second run the same day sends only what failed; a 429 is waited out (Retry-After, at most
 * `maxWaitMs`) up to `attempts` times within the run, since the timer fires once a day.
 */
export async function sendDailySummary(
    deps: SummaryDeps & {
        alerts: AlertStore;
        notifier: Notifier;
        owners: OwnerRegistry;
        logger: Logger;
        sleep?: (ms: number) => Promise<void>;
    },
    date: string,
    options: { attempts: number; maxWaitMs: number } = { attempts: 3, maxWaitMs: 30_000 },
): Promise<{ sent: string[]; failed: string[]; summary: DailySummary }> {
    const summary = await buildDailySummary(deps, date);
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const sent: string[] = [];
    const failed: string[] = [];
    const scope = `summary/${date}`;
    for (const name of deps.owners.summary.contacts) {
        const contact = contactOf(deps.owners, name);
        const channelPost = async () => {
            await deps.notifier.postToChannel({
                teamId: contact.teamId,
                channelId: contact.channelId,
                card: summaryCard(summary),
                summary: `Integration summary ${date}`,
            });
        };
        const mail = () =>
            deps.notifier.sendMail({
                to: [contact.email],
                subject: `Integration summary ${date}`,
                html: summaryHtml(summary),
            });
        const deliveries = [
            { key: `${name}/teams`, send: channelPost, channel: true },
            { key: `${name}/mail`, send: mail, channel: false },
        ];
        for (const { key, send, channel } of deliveries) {
            if (await deps.alerts.hasMember(scope, key)) continue;
            for (let attempt = 1; ; attempt++) {
                try {
                    await send();
                    await deps.alerts.addMember(scope, key);
                    sent.push(key);
                    if (channel) await recordChannelSuccess(deps, contact);
                    break;
                } catch (e) {
                    const error = e instanceof Error ? e.message : String(e);
                    if (attempt >= options.attempts) {
                        failed.push(key);
                        deps.logger.error('daily summary not delivered', { date, delivery: key, error });
                        // The same summary also goes to the contact's mailbox (the other delivery): the channel's
                        // failure is an alert of its own.
                        if (channel) await recordChannelFailure(deps, contact, e, `summary ${date}`);
                        break;
                    }
                    const wait = isGraphThrottledError(e) ? (e.retryAfterMs ?? options.maxWaitMs) : 1000;
                    await sleep(Math.min(wait, options.maxWaitMs));
                }
            }
        }
    }
    deps.logger.info('daily summary', { date, sent: sent.length, failed: failed.length });
    return { sent, failed, summary };
}

function outcomeLine(byOutcome: Partial<Record<TransactionState, number>>): string {
    return Object.entries(byOutcome)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ');
}

const units = (n: number) => `${n} unit${n === 1 ? '' : 's'}`;
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

export function summaryCard(s: DailySummary): Record<string, unknown> {
    const types = Object.entries(s.transactions.byType).filter(([, t]) => t.total > 0);
    return {
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.4',
        body: [
            { type: 'TextBlock', text: `Integration summary ${s.date}`, weight: 'Bolder', size: 'Medium' },
            {
                type: 'FactSet',
                facts: [
                    { title: 'Transactions', value: String(s.transactions.total) },
                    ...types.map(([type, t]) => ({ title: type, value: `${t.total}: ${outcomeLine(t.byOutcome)}` })),
                ],
            },
            { type: 'TextBlock', text: 'ERP failure rate by class', weight: 'Bolder' },
            {
                type: 'FactSet',
                facts: Object.entries(s.failureRateByClass).map(([c, r]) => ({ title: c, value: percent(r) })),
            },
            { type: 'TextBlock', text: 'Parked by condition', weight: 'Bolder' },
            {
                type: 'FactSet',
                facts:
                    s.parked.length === 0
                        ? [{ title: 'none', value: '' }]
                        : s.parked.map((p) => ({
                              title: p.condition,
                              value: `${units(p.parkedUnits)}, ${p.owner}, ${p.ageMinutes} min`,
                          })),
            },
            {
                type: 'FactSet',
                facts: [
                    { title: 'Review queue', value: String(s.reviewQueue.size) },
                    { title: 'Oldest in review', value: s.reviewQueue.oldest?.since ?? 'none' },
                    {
                        title: 'ERP calls',
                        value: `${s.retryMeter.erpCalls} (${s.retryMeter.retries} retries, ${s.retryMeter.probes} probes)`,
                    },
                    { title: 'Retry budget used', value: percent(s.retryMeter.budgetUsed) },
                    { title: 'Missed-event sweep', value: sweepLine(s) },
                ],
            },
        ],
    };
}

export function summaryHtml(s: DailySummary): string {
    const rows = (cells: string[][]) =>
        cells.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
    const types = Object.entries(s.transactions.byType).filter(([, t]) => t.total > 0);
    return (
        `<h2>Integration summary ${escapeHtml(s.date)}</h2>` +
        `<h3>Transactions (${s.transactions.total})</h3><table>${rows(
            types.map(([type, t]) => [type, String(t.total), outcomeLine(t.byOutcome)]),
        )}</table>` +
        `<h3>ERP failure rate by class</h3><table>${rows(
            Object.entries(s.failureRateByClass).map(([c, r]) => [c, percent(r)]),
        )}</table>` +
        `<h3>Parked by condition</h3><table>${rows(
            s.parked.map((p) => [p.condition, p.owner, units(p.parkedUnits), `${p.ageMinutes} min`]),
        )}</table>` +
        `<h3>Review queue</h3><p>${s.reviewQueue.size} items (${s.reviewQueue.deadLettered} dead-lettered); oldest ${escapeHtml(
            s.reviewQueue.oldest?.since ?? 'none',
        )}</p>` +
        `<h3>Retry meter</h3><p>${s.retryMeter.erpCalls} ERP calls: ${s.retryMeter.firstAttempts} first attempts, ` +
        `${s.retryMeter.retries} retries, ${s.retryMeter.probes} probes; retry budget used ${percent(s.retryMeter.budgetUsed)} of ${s.retryMeter.budget}</p>` +
        `<h3>Missed-event sweep</h3><p>${escapeHtml(sweepLine(s))}</p>` +
        (s.truncated ? '<p>Some listings hit their limit: counts are lower bounds.</p>' : '')
    );
}

function round(x: number): number {
    return Math.round(x * 10_000) / 10_000;
}
