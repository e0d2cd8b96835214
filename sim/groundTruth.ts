import type { LocalRuntime } from '../local/localRuntime';
import { type TransactionState, transactionStates } from '../src/domain/transactionRecord';
import type { BaselineRun } from './baselinePolicies';
import {
    countActivePlansOverOne,
    countDuplicatePostings,
    countOrderViolations,
    type LaunchReport,
    percentile,
} from './launchReport';
import type { Scenario } from './scenarioSchema';
import type { CallTap, MessageTap } from './usageTap';

/** What the harness recorded while it drove a launch: what it sent, what was accepted, and when the faults ran. */
export interface RunRecord {
    accepted: Array<{ id: string; session: string; at: number }>;
    sent: number;
    started: number;
    peakRssMb: number;
    messages: MessageTap;
    dataverseCalls: CallTap;
    graphCalls: CallTap;
}

/** The faults' timeline, for utilisation outside them and the reprocessing after the reopen. */
export interface FaultRecord {
    /** Spans in which the ERP could not take postings (a freeze, an outage). */
    blocked: Array<{ from: number; to?: number }>;
    parkedAtReopen: string[];
    reopenAt: number | undefined;
    erpCallsDuringOutage: number | null;
    log: (line: string) => void;
}

/**
 * Ground truth for our pipeline: the sandbox ERP's ledger (postings, calls) against what the harness sent and the
 * store's states, so nothing is taken from the pipeline's own account of itself except where a transaction waits.
 */
export async function oursReport(
    scenario: Scenario,
    runtime: LocalRuntime,
    run: RunRecord & FaultRecord,
): Promise<LaunchReport> {
    const store = runtime.services.store;
    const stateCount = async (s: TransactionState) => (await store.listByState(s, 1_000_000)).length;
    const postings = runtime.erp.books.postings;
    const ids = new Set(run.accepted.map((a) => a.id));
    const known = new Set<string>();
    for (const s of transactionStates) {
        for (const r of await store.listByState(s, 1_000_000)) known.add(r.envelope.transactionId);
    }
    const confirmed = await store.listByState('confirmed', 1_000_000);
    const postedAt = new Map(postings.map((p) => [p.idempotencyKey, Date.parse(p.receivedAt)] as const));
    const latencies = confirmed
        .map((r) => (postedAt.get(r.envelope.transactionId) ?? Number.NaN) - Date.parse(r.envelope.acceptedAt))
        .filter((x) => Number.isFinite(x))
        .sort((a, b) => a - b);
    const bySession = new Map<string, string[]>();
    const staleIds = new Set((await store.listByState('stale', 1_000_000)).map((r) => r.envelope.transactionId));
    for (const a of run.accepted)
        if (!staleIds.has(a.id)) bySession.set(a.session, [...(bySession.get(a.session) ?? []), a.id]);
    const firstPost = postings[0] ? Date.parse(postings[0].receivedAt) : Date.now();
    const lastPost = postings.at(-1) ? Date.parse(postings.at(-1)?.receivedAt ?? '') : Date.now();
    // Only the part of a freeze that falls between the first and the last posting takes time away from the ERP.
    const blockedMs = run.blocked.reduce(
        (sum, b) => sum + Math.max(0, Math.min(b.to ?? lastPost, lastPost) - Math.max(b.from, firstPost)),
        0,
    );
    const activeSeconds = Math.max(0.001, (lastPost - firstPost - blockedMs) / 1000);
    const reprocessed = run.parkedAtReopen.map((id) => postedAt.get(id)).filter((x): x is number => x !== undefined);
    for (const r of await store.listByState('review', 20))
        run.log(`review: ${r.envelope.type} ${r.lastFailure?.code ?? ''} ${r.lastFailure?.message ?? ''}`);
    const durationMs = Date.now() - run.started;
    const days = new Set([new Date(run.started).toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)]);
    let erpFirst = 0;
    const metered = { retries: 0, probes: 0, calls: 0 };
    for (const day of days) {
        const m = await runtime.services.meter.read(day);
        erpFirst += m.firstAttempts;
        metered.retries += m.retries;
        metered.probes += m.probes;
        metered.calls += m.calls;
    }
    const left = (
        await Promise.all((['review', 'deadLettered', 'parked', 'held'] as TransactionState[]).map(stateCount))
    ).reduce((a, b) => a + b, 0);
    const lost =
        [...ids].filter((id) => !known.has(id)).length +
        (await stateCount('queued')) +
        (await stateCount('processing'));
    return {
        scenario: scenario.name,
        instances: runtime.instances.length,
        sent: run.sent,
        accepted: run.accepted.length,
        posted: confirmed.length,
        parked: await stateCount('parked'),
        held: await stateCount('held'),
        inReview: await stateCount('review'),
        deadLettered: await stateCount('deadLettered'),
        stale: staleIds.size,
        lost,
        duplicatePostings: countDuplicatePostings(postings),
        orderViolations: countOrderViolations(bySession, postings),
        activePlansOverOne: countActivePlansOverOne(postings),
        erpCalls: runtime.erp.calls.total,
        erpCallsPerPosting:
            postings.length === 0 ? 0 : Math.round((runtime.erp.calls.total / postings.length) * 100) / 100,
        erpPeakCallsPerSec: runtime.erp.calls.peakIn(1000),
        erpCallsByStatus: { ...runtime.erp.calls.byStatus },
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
        erpUtilization:
            scenario.erp.rateLimitPerSec > 0
                ? Math.round((postings.length / activeSeconds / scenario.erp.rateLimitPerSec) * 100) / 100
                : null,
        parkedAtReopen: run.parkedAtReopen.length,
        erpCallsDuringOutage: run.erpCallsDuringOutage,
        // The meter records posts and probes; what else the ERP counted were look-ups before re-pushes.
        erpCallBreakdown: {
            firstPosts: erpFirst,
            retryPosts: metered.retries,
            probes: metered.probes,
            lookUps: Math.max(0, runtime.erp.calls.total - metered.calls),
        },
        reprocessAfterReopenMs:
            run.reopenAt !== undefined && reprocessed.length > 0 ? Math.max(...reprocessed) - run.reopenAt : null,
        peakRssMb: run.peakRssMb,
        durationMs,
        usage: {
            events: run.accepted.length,
            // Webhook calls, queue deliveries (redeliveries after an abandon are retries) and the probe timer at its
            // production schedule of once a minute.
            functionExecutions: {
                first: run.sent + run.messages.messages.first + Math.ceil(durationMs / 60_000),
                retry: run.messages.messages.retry + runtime.pump.stats.abandoned,
            },
            serviceBusMessages: {
                first: run.messages.messages.first,
                retry: run.messages.messages.retry + runtime.pump.stats.abandoned,
            },
            erpCalls: { first: erpFirst, retry: Math.max(0, runtime.erp.calls.total - erpFirst) },
            dataverseCalls: { ...run.dataverseCalls.calls },
            graphCalls: { ...run.graphCalls.calls },
            manualRekeys: left + lost,
        },
    };
}

/** Ground truth for a baseline run: the ERP's ledger and the baseline's own record of what it gave up on. */
export function baselineReport(
    scenario: Scenario,
    runtime: LocalRuntime,
    baseline: BaselineRun,
    run: RunRecord,
): LaunchReport {
    const postings = runtime.erp.books.postings;
    const postedAt = new Map(postings.map((p) => [p.idempotencyKey, Date.parse(p.receivedAt)] as const));
    const posted = run.accepted.filter((a) => postedAt.has(a.id));
    const failed = run.accepted.filter((a) => !postedAt.has(a.id));
    const latencies = posted.map((a) => (postedAt.get(a.id) ?? 0) - a.at).sort((a, b) => a - b);
    const bySession = new Map<string, string[]>();
    for (const a of run.accepted) bySession.set(a.session, [...(bySession.get(a.session) ?? []), a.id]);
    const durationMs = Date.now() - run.started;
    const erpCalls = runtime.erp.calls.total;
    return {
        scenario: scenario.name,
        instances: runtime.instances.length,
        sent: run.sent,
        accepted: run.accepted.length,
        posted: posted.length,
        parked: 0,
        held: 0,
        inReview: failed.length,
        deadLettered: 0,
        stale: 0,
        lost: run.accepted.filter((a) => !postedAt.has(a.id) && !baseline.fates.has(a.id)).length,
        duplicatePostings: countDuplicatePostings(postings),
        orderViolations: countOrderViolations(bySession, postings),
        activePlansOverOne: countActivePlansOverOne(postings),
        erpCalls,
        erpCallsPerPosting: postings.length === 0 ? 0 : Math.round((erpCalls / postings.length) * 100) / 100,
        erpPeakCallsPerSec: runtime.erp.calls.peakIn(1000),
        erpCallsByStatus: { ...runtime.erp.calls.byStatus },
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
        erpUtilization: null,
        parkedAtReopen: 0,
        erpCallsDuringOutage: null,
        erpCallBreakdown: {
            firstPosts: baseline.erpCalls.first,
            retryPosts: baseline.erpCalls.retry,
            probes: 0,
            lookUps: 0,
        },
        reprocessAfterReopenMs: null,
        peakRssMb: run.peakRssMb,
        durationMs,
        usage: {
            events: run.accepted.length,
            functionExecutions: {
                first: run.sent + run.messages.messages.first,
                retry: run.messages.messages.retry + runtime.pump.stats.abandoned,
            },
            serviceBusMessages: { ...run.messages.messages },
            erpCalls: { first: baseline.erpCalls.first, retry: Math.max(0, erpCalls - baseline.erpCalls.first) },
            dataverseCalls: { ...run.dataverseCalls.calls },
            graphCalls: { ...run.graphCalls.calls },
            manualRekeys: failed.length,
        },
    };
}
