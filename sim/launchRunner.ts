import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFiles } from '../functions/configFiles';
import { type LocalRuntime, startLocalRuntime } from '../local/localRuntime';
import { loadLocalSettings } from '../local/localSettings';
import { DataverseWebhookEmitter, type EmitResult } from '../sandbox/dataverse/dataverseWebhookEmitter';
import { ErpHttpClient } from '../src/adapters/erp-http/erpHttpClient';
import { loadConfigFile } from '../src/config/configFile';
import { retryPolicySchema } from '../src/core/retryPolicy';
import { type TransactionState, transactionStates } from '../src/domain/transactionRecord';
import { type BaselinePolicy, type BaselineRun, baselineRun } from './baselinePolicies';
import { generateLaunch } from './launchGenerator';
import {
    countActivePlansOverOne,
    countDuplicatePostings,
    countOrderViolations,
    type LaunchReport,
    percentile,
} from './launchReport';
import type { Scenario, When } from './scenarioSchema';
import { CallTap, MessageTap } from './usageTap';

const ports = [
    'LOCAL_HOST_PORT',
    'LOCAL_ERP_PORT',
    'LOCAL_DATAVERSE_PORT',
    'LOCAL_GRAPH_PORT',
    'LOCAL_AZURITE_BLOB_PORT',
    'LOCAL_AZURITE_TABLE_PORT',
];

/**
 * Replays a generated launch against the local stack as Dataverse webhook calls over HTTP, applies the scenario's
 * faults (ERP latency, rate limit, transient errors, an outage, a period freeze, lagging construction progress),
 * waits for the pipeline to drain and measures the result against the sandbox ERP's own ledger.
 */
export async function runLaunch(
    scenario: Scenario,
    log: (line: string) => void = () => {},
    options: {
        baseline?: BaselinePolicy;
        /** A fault a drill injects once this share of the events has been sent (e.g. restart Azurite). */
        midRun?: { atFraction: number; action: (runtime: LocalRuntime) => Promise<void> };
    } = {},
): Promise<LaunchReport> {
    const started = Date.now();
    let peakRss = process.memoryUsage().rss;
    const rssTimer = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    const dir = mkdtempSync(join(tmpdir(), 'launch-'));
    const policyPath = join(dir, 'retry-policy.json');
    const policy = simulationPolicy(scenario);
    writeFileSync(policyPath, JSON.stringify(policy));
    let baseline: BaselineRun | undefined;
    const settings = loadLocalSettings({
        ...Object.fromEntries(ports.map((p) => [p, '0'])),
        LOCAL_STATE_DIR: join(dir, 'state'),
        RETRY_POLICY_PATH: policyPath,
        LOCAL_PROBE_TIMER_MS: String(Math.max(50, Math.floor(policy.probeIntervalMs / 4))),
    });
    const runtime = await startLocalRuntime(settings, log, {
        sessionHandler: options.baseline
            ? (services, erpUrl) => {
                  const policyToRun = options.baseline as BaselinePolicy;
                  baseline = baselineRun(policyToRun, {
                      // Unpaced, like a flow or a queue consumer: they find the ERP's limit through 429s.
                      erp: new ErpHttpClient({
                          baseUrl: erpUrl,
                          getToken: async () => 'local-development-token',
                          timeoutMs: 15_000,
                          classifier: loadConfigFiles(settings).classifier,
                      }),
                      erpMap: services.erpMap,
                      lookup: services.lookup,
                      send: (m) => services.queue.send(m),
                      random: services.random,
                      timeScale: scenario.timeScale ?? 1,
                  });
                  return baseline.handler;
              }
            : undefined,
    });
    try {
        return await drive(runtime, scenario, started, () => peakRss, log, baseline, options.midRun);
    } finally {
        clearInterval(rssTimer);
        await runtime.stop();
    }
}

/**
 * The retry policy the pipeline runs with: with a time scale, the production policy with every time scaled;
 * otherwise a fast simulation policy (short backoff, many attempts) probing at the scenario's interval.
 */
export function simulationPolicy(scenario: Scenario) {
    const scale = scenario.timeScale;
    if (scale !== undefined) {
        const production = loadConfigFile('config/retry-policy.v1.json', retryPolicySchema);
        const backoff = (b: { baseMs: number; capMs: number; maxAttempts: number }) => ({
            baseMs: Math.max(1, Math.round(b.baseMs * scale)),
            capMs: Math.max(1, Math.round(b.capMs * scale)),
            maxAttempts: b.maxAttempts,
        });
        return {
            ...production,
            version: `${production.version} scaled ${scale}`,
            default: backoff(production.default),
            byType: Object.fromEntries(Object.entries(production.byType).map(([k, b]) => [k, backoff(b)])),
            breaker: { ...production.breaker, openMs: Math.max(1, Math.round(production.breaker.openMs * scale)) },
            probeIntervalMs: Math.max(1, Math.round(production.probeIntervalMs * scale)),
            activePlanGraceMs: Math.max(1, Math.round(production.activePlanGraceMs * scale)),
            erpRateLimitPerSec: scenario.erp.rateLimitPerSec,
        };
    }
    return {
        version: 'simulation',
        default: { baseMs: 200, capMs: 5000, maxAttempts: 30 },
        byType: {},
        dailyRetryBudget: 1_000_000,
        breaker: { consecutiveFailures: 8, openMs: scenario.probeIntervalMs },
        probeIntervalMs: scenario.probeIntervalMs,
        reprocessBatchSize: 50,
        // The ERP's published limit, as a customer would configure it.
        erpRateLimitPerSec: scenario.erp.rateLimitPerSec,
    };
}

async function drive(
    runtime: LocalRuntime,
    scenario: Scenario,
    started: number,
    peakRss: () => number,
    log: (line: string) => void,
    baseline: BaselineRun | undefined,
    midRun?: { atFraction: number; action: (runtime: LocalRuntime) => Promise<void> },
): Promise<LaunchReport> {
    const now = new Date();
    let midRunDone = false;
    let callsAtOutageStart = 0;
    let erpCallsDuringOutage: number | null = null;
    const period = now.toISOString().slice(0, 7);
    const launch = generateLaunch(scenario, now);
    runtime.erp.faults.update({
        latencyMs: scenario.erp.latencyMs,
        rateLimitPerSec: scenario.erp.rateLimitPerSec,
        transientErrorRate: scenario.erp.transientErrorRate,
    });
    for (const b of launch.buildings) {
        await runtime.services.lookup.put('buildingCode', b.id, b.code);
        await runtime.services.lookup.put('buildingCostCentre', b.id, `CC-${b.code}`);
    }
    for (const f of launch.firms) await runtime.services.lookup.put('brokerVendor', f.id, f.vendor);
    if (scenario.graph.failureRate > 0)
        await fetch(`${runtime.graph.url}/sandbox/faults`, {
            method: 'PUT',
            body: JSON.stringify({ failureRate: scenario.graph.failureRate }),
        });
    // Metering taps for the cost model: queue messages, Dataverse requests, Graph calls (first apart from repeats).
    const messages = new MessageTap();
    messages.tap(runtime.queue);
    const dataverseCalls = new CallTap();
    dataverseCalls.tap(
        runtime.services.crm,
        ['retrieve', 'writeBack'],
        (m, a) => `${m} ${String(a[0])} ${String(a[1])}`,
    );
    const graphCalls = new CallTap();
    graphCalls.tap(runtime.services.notifier, ['sendMail', 'postToChannel'], (m, a) => `${m} ${JSON.stringify(a[0])}`);
    const emitter = new DataverseWebhookEmitter({
        records: runtime.dataverse.records,
        target: { url: `${runtime.host.url}/api/dataverse/events`, functionKey: runtime.functionKey },
    });

    const total = launch.events.filter((e) => e.kind !== 'seed').length;
    const at = (w: When | undefined): number | undefined =>
        w === undefined ? undefined : 'fraction' in w ? w.fraction * total : undefined;
    const atSeconds = (w: When | undefined): number | undefined =>
        w !== undefined && 'seconds' in w ? w.seconds * 1000 : undefined;
    // Spans in which the ERP could not take postings (a freeze, an outage): utilisation is measured outside them.
    const blocked: Array<{ from: number; to?: number }> = [];
    let freezeSpan: { from: number; to?: number } | undefined;
    let outageSpan: { from: number; to?: number } | undefined;
    let freezeOn = false;
    let freezeStarted = false;
    let outageOn = false;
    let outageDone = false;
    let reopenAt: number | undefined;
    let parkedAtReopen: string[] = [];
    const setPeriod = async (status: 'open' | 'frozen') => {
        await fetch(`${runtime.erp.url}/sandbox/periods/${period}`, {
            method: 'PUT',
            body: JSON.stringify({ status }),
        });
    };
    const timeline = async (emitted: number) => {
        const elapsed = Date.now() - started;
        if (midRun && !midRunDone && emitted >= midRun.atFraction * total) {
            midRunDone = true;
            await midRun.action(runtime);
        }
        const reached = (w: When | undefined) =>
            at(w) !== undefined
                ? emitted >= (at(w) ?? 0)
                : atSeconds(w) !== undefined && elapsed >= (atSeconds(w) ?? 0);
        // freezeStarted is set before any await: concurrent sends must not freeze the period a second time while the
        // reopen is still awaiting (a run logged "period frozen" twice).
        if (scenario.periodFreeze && !freezeStarted && reached(scenario.periodFreeze.start)) {
            freezeStarted = true;
            freezeOn = true;
            freezeSpan = { from: Date.now() };
            blocked.push(freezeSpan);
            await setPeriod('frozen');
            log('period frozen');
        }
        if (freezeOn && scenario.periodFreeze && reached(scenario.periodFreeze.end)) await reopen();
        const outage = scenario.erp.outage;
        if (outage && !outageOn && !outageDone && reached(outage.start)) {
            outageOn = true;
            outageSpan = { from: Date.now() };
            callsAtOutageStart = runtime.erp.calls.total;
            blocked.push(outageSpan);
            runtime.erp.faults.update({ down: true });
            log('ERP down');
            const lengthMs = atSeconds(outage.length);
            if (lengthMs !== undefined) setTimeout(() => endOutage(), lengthMs);
        }
        if (
            outageOn &&
            outage &&
            at(outage.length) !== undefined &&
            emitted >= (at(outage.start) ?? 0) + (at(outage.length) ?? 0)
        )
            endOutage();
    };
    const endOutage = () => {
        if (!outageOn) return;
        outageOn = false;
        outageDone = true;
        if (outageSpan) outageSpan.to = Date.now();
        erpCallsDuringOutage = runtime.erp.calls.total - callsAtOutageStart;
        runtime.erp.faults.update({ down: false });
        log('ERP back');
    };
    const reopen = async () => {
        if (!freezeOn) return;
        freezeOn = false;
        parkedAtReopen = (await runtime.services.store.listByState('parked', 100_000)).map(
            (r) => r.envelope.transactionId,
        );
        reopenAt = Date.now();
        if (freezeSpan) freezeSpan.to = reopenAt;
        await setPeriod('open');
        log('period reopened');
    };

    // Send: one unit's events in CRM order, units in parallel up to the scenario's concurrency.
    const accepted: Array<{ id: string; session: string; at: number }> = [];
    let sent = 0;
    let emitted = 0;
    let inFlight = 0;
    const waiters: Array<() => void> = [];
    const chains = new Map<string, Promise<void>>();
    const slot = async () => {
        while (inFlight >= scenario.concurrency) await new Promise<void>((r) => waiters.push(r));
        inFlight++;
    };
    const release = () => {
        inFlight--;
        waiters.shift()?.();
    };
    for (const event of launch.events) {
        if (event.kind === 'seed') {
            emitter.seed(event.entity, event.id, event.attributes);
            continue;
        }
        const key = event.unit ?? event.id;
        const previous = chains.get(key) ?? Promise.resolve();
        await slot();
        const next = previous.then(async () => {
            try {
                const result: EmitResult =
                    event.kind === 'create'
                        ? await emitter.create(event.entity, event.id, event.attributes)
                        : await emitter.update(event.entity, event.id, event.attributes);
                sent++;
                const body = result.body as { status?: string; transactionId?: string; sessionId?: string };
                if (result.status === 202 && body.status === 'accepted' && body.transactionId)
                    accepted.push({ id: body.transactionId, session: body.sessionId ?? '', at: Date.now() });
            } finally {
                release();
                emitted++;
                await timeline(emitted);
            }
        });
        chains.set(key, next);
    }
    await Promise.all(chains.values());
    await reopen();
    endOutage();
    for (const p of launch.lateProgress)
        await emitter.update('re_constructionprogress', p.id, {
            re_percentcomplete: p.percent,
            re_reportedon: { date: new Date() },
        });

    // Drain: until nothing waits that can still move on by itself (what is held behind a review item waits for a person).
    const deadline = Date.now() + scenario.drainTimeoutMs;
    const waiting: TransactionState[] = ['queued', 'processing', 'retrying', 'parked'];
    for (;;) {
        await runtime.pump.idle();
        const counts = baseline
            ? [new Array(baseline.pending())]
            : await Promise.all(waiting.map((s) => runtime.services.store.listByState(s, 1)));
        if (counts.every((c) => c.length === 0) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
    }
    if (baseline)
        return baselineReport(scenario, runtime, baseline, {
            accepted,
            sent,
            started,
            peakRssMb: Math.round(peakRss() / 1024 / 1024),
            messages,
            dataverseCalls,
            graphCalls,
        });

    const store = runtime.services.store;
    const stateCount = async (s: TransactionState) => (await store.listByState(s, 1_000_000)).length;
    const postings = runtime.erp.books.postings;
    const ids = new Set(accepted.map((a) => a.id));
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
    for (const a of accepted)
        if (!staleIds.has(a.id)) bySession.set(a.session, [...(bySession.get(a.session) ?? []), a.id]);
    const firstPost = postings[0] ? Date.parse(postings[0].receivedAt) : Date.now();
    const lastPost = postings.at(-1) ? Date.parse(postings.at(-1)?.receivedAt ?? '') : Date.now();
    // Only the part of a freeze that falls between the first and the last posting takes time away from the ERP.
    const blockedMs = blocked.reduce(
        (sum, b) => sum + Math.max(0, Math.min(b.to ?? lastPost, lastPost) - Math.max(b.from, firstPost)),
        0,
    );
    const activeSeconds = Math.max(0.001, (lastPost - firstPost - blockedMs) / 1000);
    const reprocessed = parkedAtReopen.map((id) => postedAt.get(id)).filter((x): x is number => x !== undefined);
    for (const r of await store.listByState('review', 20))
        log(`review: ${r.envelope.type} ${r.lastFailure?.code ?? ''} ${r.lastFailure?.message ?? ''}`);
    const durationMs = Date.now() - started;
    const days = new Set([new Date(started).toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)]);
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
        sent,
        accepted: accepted.length,
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
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
        erpUtilization:
            scenario.erp.rateLimitPerSec > 0
                ? Math.round((postings.length / activeSeconds / scenario.erp.rateLimitPerSec) * 100) / 100
                : null,
        parkedAtReopen: parkedAtReopen.length,
        erpCallsDuringOutage,
        // The meter records posts and probes; what else the ERP counted were look-ups before re-pushes.
        erpCallBreakdown: {
            firstPosts: erpFirst,
            retryPosts: metered.retries,
            probes: metered.probes,
            lookUps: Math.max(0, runtime.erp.calls.total - metered.calls),
        },
        reprocessAfterReopenMs:
            reopenAt !== undefined && reprocessed.length > 0 ? Math.max(...reprocessed) - reopenAt : null,
        peakRssMb: Math.round(peakRss() / 1024 / 1024),
        durationMs,
        usage: {
            events: accepted.length,
            // Webhook calls, queue deliveries (redeliveries after an abandon are retries) and the probe timer at its
            // production schedule of once a minute.
            functionExecutions: {
                first: sent + messages.messages.first + Math.ceil(durationMs / 60_000),
                retry: messages.messages.retry + runtime.pump.stats.abandoned,
            },
            serviceBusMessages: {
                first: messages.messages.first,
                retry: messages.messages.retry + runtime.pump.stats.abandoned,
            },
            erpCalls: { first: erpFirst, retry: Math.max(0, runtime.erp.calls.total - erpFirst) },
            dataverseCalls: { ...dataverseCalls.calls },
            graphCalls: { ...graphCalls.calls },
            manualRekeys: left + lost,
        },
    };
}

/** Ground truth for a baseline run: the ERP's ledger and the baseline's own record of what it gave up on. */
function baselineReport(
    scenario: Scenario,
    runtime: LocalRuntime,
    baseline: BaselineRun,
    run: {
        accepted: Array<{ id: string; session: string; at: number }>;
        sent: number;
        started: number;
        peakRssMb: number;
        messages: MessageTap;
        dataverseCalls: CallTap;
        graphCalls: CallTap;
    },
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
