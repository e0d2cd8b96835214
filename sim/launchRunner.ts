import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFiles } from '../functions/configFiles';
import { type LocalRuntime, startLocalRuntime } from '../local/localRuntime';
import { loadLocalSettings, onFreePorts } from '../local/localSettings';
import { DataverseWebhookEmitter, type EmitResult } from '../sandbox/dataverse/dataverseWebhookEmitter';
import { ErpHttpClient } from '../src/adapters/erp-http/erpHttpClient';
import { loadConfigFile } from '../src/config/configFile';
import { retryPolicySchema } from '../src/core/retryPolicy';
import type { TransactionState } from '../src/domain/transactionRecord';
import { type BaselinePolicy, type BaselineRun, baselineRun, operatorRedrive } from './baselinePolicies';
import { baselineReport, oursReport } from './groundTruth';
import { generateLaunch } from './launchGenerator';
import type { BlockedSpan, LaunchReport } from './launchReport';
import type { Scenario, When } from './scenarioSchema';
import { CallTap, MessageTap } from './usageTap';

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
        ...onFreePorts(),
        LOCAL_INSTANCES: String(options.baseline ? 1 : scenario.instances),
        LOCAL_STATE_DIR: join(dir, 'state'),
        RETRY_POLICY_PATH: policyPath,
        LOCAL_PROBE_TIMER_MS: String(Math.max(50, Math.floor(policy.probeIntervalMs / 4))),
        // A consumer that leaves retries to the queue dead-letters after its own delivery count.
        ...(options.baseline?.kind === 'session-abandon'
            ? { MAX_DELIVERY_COUNT: String(options.baseline.maxAttempts) }
            : {}),
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
                      // Read after the launch, when the runtime below is running.
                      deadLetters: () => runtime.queue.peekDeadLetters(1_000_000),
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
        // The sandbox ERP replays a key for as long as it runs; production's policy says 24 h.
        erpKeyReplayMs: 86_400_000,
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
        idempotencyKeys: scenario.erp.idempotencyKeys,
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
    const graphCalls = new CallTap();
    for (const { services } of runtime.instances) {
        dataverseCalls.tap(services.crm, ['retrieve', 'writeBack'], (m, a) => `${m} ${String(a[0])} ${String(a[1])}`);
        graphCalls.tap(services.notifier, ['sendMail', 'postToChannel'], (m, a) => `${m} ${JSON.stringify(a[0])}`);
    }
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
    const blocked: BlockedSpan[] = [];
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
        await crmTimeline(reached);
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
    // A CRM outage: Dataverse refuses every Web API call, and sends no webhooks (the launch pauses) until it is back.
    let crmDown: { from: number; to: number; writesBefore: number } | undefined;
    let crmBack: Promise<void> = Promise.resolve();
    const setCrmDown = (down: boolean) =>
        fetch(`${runtime.dataverse.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify({ down }) });
    const crmTimeline = async (reached: (w: When | undefined) => boolean) => {
        const outage = scenario.crmOutage;
        if (!outage || crmDown || !reached(outage.start)) return;
        const from = Date.now();
        crmDown = { from, to: from, writesBefore: 0 };
        let resume = () => {};
        crmBack = new Promise<void>((r) => {
            resume = r;
        });
        await setCrmDown(true);
        log('Dataverse down');
        setTimeout(async () => {
            await setCrmDown(false);
            if (crmDown) {
                crmDown.to = Date.now();
                crmDown.writesBefore = runtime.dataverse.records.writes.length;
            }
            log('Dataverse back');
            resume();
        }, outage.length.seconds * 1000);
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
    const tally = (result: EmitResult) => {
        sent++;
        const body = result.body as { status?: string; transactionId?: string; sessionId?: string };
        if (result.status === 202 && body.status === 'accepted' && body.transactionId)
            accepted.push({ id: body.transactionId, session: body.sessionId ?? '', at: Date.now() });
    };
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
            await crmBack;
            try {
                const result: EmitResult =
                    event.kind === 'create'
                        ? await emitter.create(event.entity, event.id, event.attributes)
                        : await emitter.update(event.entity, event.id, event.attributes);
                tally(result);
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
    // The project team's late progress reports are sent and counted like every other event (a run once showed
    // more postings than accepted events because they were not).
    for (const p of launch.lateProgress)
        tally(
            await emitter.update('re_constructionprogress', p.id, {
                re_percentcomplete: p.percent,
                re_reportedon: { date: new Date() },
            }),
        );

    // Drain: until nothing waits that can still move on by itself (what is held behind a review item waits for a person).
    // 'posted' moves by itself too: its CRM row is written when Dataverse answers.
    const waiting: TransactionState[] = ['queued', 'processing', 'retrying', 'parked', 'posted'];
    const drain = async () => {
        const deadline = Date.now() + scenario.drainTimeoutMs;
        for (;;) {
            await runtime.pump.idle();
            const counts = baseline
                ? [new Array(baseline.pending())]
                : await Promise.all(waiting.map((s) => runtime.services.store.listByState(s, 1)));
            if (counts.every((c) => c.length === 0) || Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 200));
        }
    };
    await drain();
    // Every instance's meter row flushed (250 ms) and the first instance's view of the others' rows expired (1 s).
    if (runtime.instances.length > 1) await new Promise((r) => setTimeout(r, 1_500));
    if (baseline) {
        // The operator re-drives what the baseline gave up on, once the launch's faults are over.
        const redrive = await operatorRedrive(baseline, {
            settle: drain,
            postedCount: () => runtime.erp.books.postings.length,
            batchSize: scenario.erp.rateLimitPerSec > 0 ? scenario.erp.rateLimitPerSec : Number.POSITIVE_INFINITY,
        });
        log(
            `operator re-drove ${redrive.transactions} transactions: ${redrive.messages} messages in ${redrive.passes} passes`,
        );
        return baselineReport(scenario, runtime, baseline, {
            accepted,
            sent,
            started,
            peakRssMb: Math.round(peakRss() / 1024 / 1024),
            messages,
            dataverseCalls,
            graphCalls,
            blocked,
            redrive,
        });
    }

    return oursReport(scenario, runtime, {
        accepted,
        sent,
        started,
        peakRssMb: Math.round(peakRss() / 1024 / 1024),
        messages,
        dataverseCalls,
        graphCalls,
        blocked,
        parkedAtReopen,
        reopenAt,
        erpCallsDuringOutage,
        ...(crmDown ? { crmDown } : {}),
        log,
    });
}
