import type { LocalRuntime } from '../local/localRuntime';
import type { Posting } from '../sandbox/erp/erpBooks';
import { type TransactionState, transactionStates } from '../src/domain/transactionRecord';
import type { BaselineRun, RedriveSummary } from './baselinePolicies';
import {
    type BlockedSpan,
    countActivePlansOverOne,
    countDuplicatePostings,
    countOrderViolations,
    erpGoodputShare,
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
    blocked: BlockedSpan[];
    parkedAtReopen: string[];
    reopenAt: number | undefined;
    erpCallsDuringOutage: number | null;
    /** When Dataverse was down (crmOutage), and how many of its writes there were when it came back. */
    crmDown?: { from: number; to: number; writesBefore: number };
    log: (line: string) => void;
}

/**
 * The CRM outage's figures from the two ground truths: the ERP's ledger (postings made while Dataverse was down) and
 * the sandbox Dataverse's write log (rows written after it came back, and each unit's rows in ERP order).
 */
function crmOutageFigures(runtime: LocalRuntime, run: RunRecord & FaultRecord): LaunchReport['crmOutage'] {
    const down = run.crmDown;
    if (!down) return null;
    const postings = runtime.erp.books.postings;
    const during = postings.filter((p) => {
        const at = Date.parse(p.receivedAt);
        return at >= down.from && at < down.to;
    }).length;
    const writes = runtime.dataverse.records.writes;
    const session = new Map(run.accepted.map((a) => [a.id, a.session] as const));
    // Per unit: CRM records in the order they first reached the ERP, and in the order their rows first said posted.
    const erpOrder = new Map<string, string[]>();
    for (const p of postings) {
        const unit = session.get(p.integrationReference);
        if (!unit) continue;
        const list = erpOrder.get(unit) ?? [];
        if (!list.includes(p.sourceRecordId.toLowerCase())) list.push(p.sourceRecordId.toLowerCase());
        erpOrder.set(unit, list);
    }
    const written: string[] = [];
    for (const w of writes) {
        if (w.fields.re_erpsyncstatus !== 'posted') continue;
        const id = w.id.toLowerCase();
        if (!written.includes(id)) written.push(id);
    }
    const inOrder = [...erpOrder.values()].every((records) => {
        const positions = records.map((r) => written.indexOf(r));
        return positions.every((x, i) => x >= 0 && (i === 0 || x > (positions[i - 1] ?? -1)));
    });
    return {
        seconds: Math.round((down.to - down.from) / 100) / 10,
        erpPostingsDuringOutage: during,
        rowsWrittenAfterReturn: writes.length - down.writesBefore,
        rowsInUnitOrder: inOrder,
    };
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
    const postedAt = new Map(postings.map((p) => [p.integrationReference, Date.parse(p.receivedAt)] as const));
    const latencies = confirmed
        .map((r) => (postedAt.get(r.envelope.transactionId) ?? Number.NaN) - Date.parse(r.envelope.acceptedAt))
        .filter((x) => Number.isFinite(x))
        .sort((a, b) => a - b);
    const bySession = new Map<string, string[]>();
    const staleIds = new Set((await store.listByState('stale', 1_000_000)).map((r) => r.envelope.transactionId));
    for (const a of run.accepted)
        if (!staleIds.has(a.id)) bySession.set(a.session, [...(bySession.get(a.session) ?? []), a.id]);
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
        redriven: 0,
        redrive: null,
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
        erpUtilization: erpGoodputShare({
            postings,
            firstAcceptedAt: firstAcceptance(run.accepted),
            blocked: run.blocked,
            rateLimitPerSec: scenario.erp.rateLimitPerSec,
        }),
        parkedAtReopen: run.parkedAtReopen.length,
        erpCallsDuringOutage: run.erpCallsDuringOutage,
        unconfirmed: await stateCount('posted'),
        crmOutage: crmOutageFigures(runtime, run),
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
            redrives: 0,
            manualRekeys: left + lost,
        },
    };
}

/**
 * A baseline's accepted transactions by what the ERP's ledger shows became of them: posted by the baseline itself
 * (before the operator's re-drive began at `redriveAt`), posted after it (re-driven), or not posted at all (left for
 * someone to key in by hand).
 */
export function baselineOutcomes(
    accepted: RunRecord['accepted'],
    postings: Posting[],
    redriveAt: number | undefined,
): {
    posted: RunRecord['accepted'];
    byItself: Array<RunRecord['accepted'][number] & { postedAt: number }>;
    redriven: RunRecord['accepted'];
    left: RunRecord['accepted'];
} {
    const postedAt = new Map<string, number>();
    for (const p of postings)
        if (!postedAt.has(p.integrationReference)) postedAt.set(p.integrationReference, Date.parse(p.receivedAt));
    const from = redriveAt ?? Number.POSITIVE_INFINITY;
    const byItself: Array<RunRecord['accepted'][number] & { postedAt: number }> = [];
    const redriven: RunRecord['accepted'] = [];
    const left: RunRecord['accepted'] = [];
    for (const a of accepted) {
        const at = postedAt.get(a.id);
        if (at === undefined) left.push(a);
        else if (at >= from) redriven.push(a);
        else byItself.push({ ...a, postedAt: at });
    }
    return { posted: accepted.filter((a) => postedAt.has(a.id)), byItself, redriven, left };
}

const firstAcceptance = (accepted: RunRecord['accepted']) =>
    accepted.reduce<number | undefined>((min, a) => (min === undefined || a.at < min ? a.at : min), undefined);

/**
 * Ground truth for a baseline run, from the ERP's ledger: posted by the baseline itself before the operator's
 * re-drive began, posted after (re-driven), and the rest left for someone to key in by hand. Every transaction the
 * operator re-sent is a re-drive for the cost model, whether or not it then posted.
 */
export function baselineReport(
    scenario: Scenario,
    runtime: LocalRuntime,
    baseline: BaselineRun,
    run: RunRecord & { blocked: BlockedSpan[]; redrive: RedriveSummary },
): LaunchReport {
    const postings = runtime.erp.books.postings;
    const { posted, byItself, redriven, left } = baselineOutcomes(run.accepted, postings, run.redrive.startedAt);
    // Latency of what the baseline posted by itself: a re-drive's comes from when the operator gets to it.
    const latencies = byItself.map((a) => a.postedAt - a.at).sort((a, b) => a - b);
    const bySession = new Map<string, string[]>();
    for (const a of run.accepted) bySession.set(a.session, [...(bySession.get(a.session) ?? []), a.id]);
    const durationMs = Date.now() - run.started;
    const erpCalls = runtime.erp.calls.total;
    const deadLettered = baseline.kind === 'session-abandon' ? left.length : 0;
    return {
        scenario: scenario.name,
        instances: runtime.instances.length,
        sent: run.sent,
        accepted: run.accepted.length,
        posted: posted.length,
        redriven: redriven.length,
        redrive: {
            transactions: run.redrive.transactions,
            messages: run.redrive.messages,
            passes: run.redrive.passes,
        },
        parked: 0,
        held: 0,
        inReview: left.length - deadLettered,
        deadLettered,
        stale: 0,
        lost: left.filter((a) => !baseline.fates.has(a.id)).length,
        duplicatePostings: countDuplicatePostings(postings),
        orderViolations: countOrderViolations(bySession, postings),
        activePlansOverOne: countActivePlansOverOne(postings),
        erpCalls,
        erpCallsPerPosting: postings.length === 0 ? 0 : Math.round((erpCalls / postings.length) * 100) / 100,
        erpPeakCallsPerSec: runtime.erp.calls.peakIn(1000),
        erpCallsByStatus: { ...runtime.erp.calls.byStatus },
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
        erpUtilization: erpGoodputShare({
            postings,
            firstAcceptedAt: firstAcceptance(run.accepted),
            blocked: run.blocked,
            rateLimitPerSec: scenario.erp.rateLimitPerSec,
            before: run.redrive.startedAt,
        }),
        parkedAtReopen: 0,
        erpCallsDuringOutage: null,
        unconfirmed: 0,
        crmOutage: null,
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
            // Redeliveries after an abandon are executions and message operations too, as for ours.
            functionExecutions: {
                first: run.sent + run.messages.messages.first,
                retry: run.messages.messages.retry + runtime.pump.stats.abandoned,
            },
            serviceBusMessages: {
                first: run.messages.messages.first,
                retry: run.messages.messages.retry + runtime.pump.stats.abandoned,
            },
            erpCalls: { first: baseline.erpCalls.first, retry: Math.max(0, erpCalls - baseline.erpCalls.first) },
            dataverseCalls: { ...run.dataverseCalls.calls },
            graphCalls: { ...run.graphCalls.calls },
            redrives: run.redrive.transactions,
            manualRekeys: left.length,
        },
    };
}
