import type { FailureClass, Owner } from '../domain/failure';
import { openStates, type TransactionRecord, type TransactionState } from '../domain/transactionRecord';
import type { TransactionStore } from '../ports/transactionStore';

/** Where a transaction ended up, for the trend charts: the state at its last change, grouped. */
export type Outcome = 'done' | 'waiting' | 'failed' | 'other';

const outcomeOf: Record<TransactionState, Outcome> = {
    posted: 'done',
    confirmed: 'done',
    resolved: 'done',
    retrying: 'waiting',
    parked: 'waiting',
    held: 'waiting',
    review: 'failed',
    deadLettered: 'failed',
    discarded: 'failed',
    queued: 'other',
    processing: 'other',
    stale: 'other',
};

/** States in which a failure waits on someone (or on time): the "failures by class and owner" table. */
const failingStates: ReadonlySet<TransactionState> = new Set(['retrying', 'parked', 'review', 'deadLettered']);

export interface Bucket {
    /** Start of the hour or day (UTC, ISO 8601). */
    start: string;
    done: number;
    waiting: number;
    failed: number;
    other: number;
}

export interface OperationsStats {
    generatedAt: string;
    /** Start of the trend window (the older of `hours` and `days` back). */
    since: string;
    /** Live counts of every non-final state, however old the transaction. */
    open: Record<(typeof openStates)[number], number>;
    /** Transactions whose last change falls in the window, by their current state. */
    window: Partial<Record<TransactionState, number>>;
    /** Open failures (retrying, parked, review, dead-lettered) by class and owner: who must act on what. */
    failures: { class: FailureClass; owner: Owner; count: number }[];
    /** The oldest parked transaction's age: how long the longest business block has stood. */
    oldestParked?: { transactionId: string; since: string; ageMinutes: number };
    /** Acceptance → confirmation in the CRM, for transactions confirmed in the window. */
    latency: { confirmed: number; p50Ms?: number; p95Ms?: number };
    hourly: Bucket[];
    daily: Bucket[];
    /** True when a listing hit its cap: the counts are lower bounds. */
    truncated: boolean;
}

export interface StatsWindow {
    hours: number;
    days: number;
    /** Cap per listing (a filtered scan in Table Storage). */
    max?: number;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** The console's aggregate: computed over the TransactionStore port on demand (an operator view, not the hot path). */
export async function computeOperationsStats(
    store: Pick<TransactionStore, 'listByState' | 'listUpdatedSince'>,
    now: Date,
    window: StatsWindow,
): Promise<OperationsStats> {
    const max = window.max ?? 50_000;
    const hourStart = floorTo(now.getTime(), hourMs);
    const dayStart = floorTo(now.getTime(), dayMs);
    const firstHour = hourStart - (window.hours - 1) * hourMs;
    const firstDay = dayStart - (window.days - 1) * dayMs;
    const since = new Date(Math.min(firstHour, firstDay)).toISOString();

    const [openLists, recent] = await Promise.all([
        Promise.all(openStates.map((s) => store.listByState(s, max))),
        store.listUpdatedSince(since, max),
    ]);
    let truncated = recent.length >= max;
    const open = {} as OperationsStats['open'];
    openStates.forEach((state, i) => {
        const list = openLists[i] ?? [];
        open[state] = list.length;
        if (list.length >= max) truncated = true;
    });
    const openRecords = openLists.flat();

    const hourly = buckets(firstHour, window.hours, hourMs);
    const daily = buckets(firstDay, window.days, dayMs);
    const byState: Partial<Record<TransactionState, number>> = {};
    const latencies: number[] = [];
    for (const r of recent) {
        byState[r.state] = (byState[r.state] ?? 0) + 1;
        const at = Date.parse(r.updatedAt);
        if (Number.isNaN(at)) continue;
        const outcome = outcomeOf[r.state];
        const h = hourly[Math.floor((at - firstHour) / hourMs)];
        if (h && at >= firstHour) h[outcome]++;
        const d = daily[Math.floor((at - firstDay) / dayMs)];
        if (d && at >= firstDay) d[outcome]++;
        if (r.state === 'confirmed') {
            const accepted = Date.parse(r.envelope.acceptedAt);
            if (!Number.isNaN(accepted)) latencies.push(at - accepted);
        }
    }
    latencies.sort((a, b) => a - b);

    const stats: OperationsStats = {
        generatedAt: now.toISOString(),
        since,
        open,
        window: byState,
        failures: failuresByClassAndOwner(openRecords),
        latency: {
            confirmed: latencies.length,
            ...(latencies.length > 0 ? { p50Ms: percentile(latencies, 0.5), p95Ms: percentile(latencies, 0.95) } : {}),
        },
        hourly,
        daily,
        truncated,
    };
    const oldest = oldestParked(openRecords, now);
    if (oldest) stats.oldestParked = oldest;
    return stats;
}

function failuresByClassAndOwner(records: TransactionRecord[]): OperationsStats['failures'] {
    const counts = new Map<string, OperationsStats['failures'][number]>();
    for (const r of records) {
        if (!failingStates.has(r.state) || !r.lastFailure) continue;
        const key = `${r.lastFailure.class}|${r.lastFailure.owner}`;
        const row = counts.get(key) ?? { class: r.lastFailure.class, owner: r.lastFailure.owner, count: 0 };
        row.count++;
        counts.set(key, row);
    }
    return [...counts.values()].sort(
        (a, b) => b.count - a.count || a.class.localeCompare(b.class) || a.owner.localeCompare(b.owner),
    );
}

function oldestParked(records: TransactionRecord[], now: Date): OperationsStats['oldestParked'] {
    // A parked transaction's updatedAt is when it parked (it is not written again while it waits).
    const parked = records.filter((r) => r.state === 'parked').sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : 1));
    const first = parked[0];
    if (!first) return undefined;
    return {
        transactionId: first.envelope.transactionId,
        since: first.updatedAt,
        ageMinutes: Math.max(0, Math.floor((now.getTime() - Date.parse(first.updatedAt)) / 60_000)),
    };
}

function buckets(first: number, count: number, size: number): Bucket[] {
    return Array.from({ length: count }, (_, i) => ({
        start: new Date(first + i * size).toISOString(),
        done: 0,
        waiting: 0,
        failed: 0,
        other: 0,
    }));
}

function floorTo(ms: number, size: number): number {
    return Math.floor(ms / size) * size;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}
