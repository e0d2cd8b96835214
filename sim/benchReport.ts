import type { ContractProjection, LaunchCost } from './costModel';
import type { IntakeBenchResult } from './intakeBench';
import type { LaunchReport } from './launchReport';
import { simulationPolicy } from './launchRunner';
import type { Scenario } from './scenarioSchema';

export interface BenchRun {
    policy: string;
    description: string;
    /** Function instances the run had (absent in results from before the fleet: one). */
    instances?: number;
    /** When it ran, if not with the rest of the results (carried over from an earlier run with --reuse). */
    measuredAt?: string;
    report: LaunchReport;
    cost: LaunchCost;
    projection: ContractProjection;
}

export interface TargetCheck {
    name: string;
    target: string;
    measured: string;
    met: boolean;
}

/** The issue's targets, checked against what the run measured (ours is the first run). */
export function benchTargets(intake: IntakeBenchResult, runs: BenchRun[], scenario: Scenario): TargetCheck[] {
    const checks: TargetCheck[] = [
        {
            name: 'webhook p99',
            target: '< 100 ms',
            measured: `${intake.intake.latencyMs.p99} ms`,
            met: intake.intake.latencyMs.p99 < 100,
        },
        {
            name: 'intake throughput / bare node:http',
            target: '>= 0.5',
            measured: String(intake.ratio),
            met: intake.ratio >= 0.5,
        },
    ];
    const ours = runs.find((r) => r.policy === 'ours' && (r.instances ?? 1) === 1)?.report;
    checks.push(...fleetTargets(runs, scenario));
    if (!ours) return checks;
    const rate = scenario.erp.rateLimitPerSec;
    const probeMs = simulationPolicy(scenario).probeIntervalMs;
    const reopenBound = probeMs + (rate > 0 ? (ours.parkedAtReopen / rate) * 1000 : 0);
    checks.push(
        {
            name: 'nothing lost, posted twice or out of order',
            target: '0 / 0 / 0',
            measured: `${ours.lost} / ${ours.duplicatePostings} / ${ours.orderViolations}`,
            met: ours.lost === 0 && ours.duplicatePostings === 0 && ours.orderViolations === 0,
        },
        {
            name: 'left for manual re-keying (ours)',
            target: '0',
            measured: String(ours.usage.manualRekeys),
            met: ours.usage.manualRekeys === 0,
        },
        {
            name: 'ERP goodput while it could take postings',
            target: '>= 0.95 of the rate limit',
            measured: ours.erpUtilization === null ? 'no rate limit' : String(ours.erpUtilization),
            met: ours.erpUtilization !== null && ours.erpUtilization >= 0.95,
        },
        {
            name: 'ERP calls per posting',
            target: '<= 1.10',
            measured: String(ours.erpCallsPerPosting),
            met: ours.erpCallsPerPosting <= 1.1,
        },
        {
            name: 'launch duration',
            target: '< 5 min',
            measured: `${Math.round(ours.durationMs / 1000)} s`,
            met: ours.durationMs < 300_000,
        },
        { name: 'peak RSS', target: '< 300 MB', measured: `${ours.peakRssMb} MB`, met: ours.peakRssMb < 300 },
        {
            name: 'parked at reopen all posted',
            target: `<= probe interval + drain at the rate limit = ${Math.round(reopenBound)} ms`,
            measured:
                ours.reprocessAfterReopenMs === null
                    ? 'nothing parked at reopen'
                    : `${ours.reprocessAfterReopenMs} ms (${ours.parkedAtReopen} parked)`,
            met: ours.reprocessAfterReopenMs === null || ours.reprocessAfterReopenMs <= reopenBound,
        },
    );
    return checks;
}

/** The fleet's targets (issue 14), on our run with the most instances: one ERP limit for all of them. */
function fleetTargets(runs: BenchRun[], scenario: Scenario): TargetCheck[] {
    const fleet = runs
        .filter((r) => r.policy === 'ours' && (r.instances ?? 1) > 1)
        .sort((a, b) => (b.instances ?? 1) - (a.instances ?? 1))[0];
    if (!fleet) return [];
    const r = fleet.report;
    const n = fleet.instances ?? 1;
    const limit = scenario.erp.rateLimitPerSec;
    return [
        {
            name: `${n} instances: busiest second at the ERP`,
            target: `<= 1.05 x ${limit}/s = ${Math.floor(1.05 * limit)}`,
            measured: `${r.erpPeakCallsPerSec} calls`,
            met: limit > 0 && r.erpPeakCallsPerSec <= 1.05 * limit,
        },
        {
            name: `${n} instances: ERP calls per posting`,
            target: '<= 1.10',
            measured: String(r.erpCallsPerPosting),
            met: r.erpCallsPerPosting <= 1.1,
        },
        {
            name: `${n} instances: ERP goodput while it could take postings`,
            target: '>= 0.9 of the rate limit',
            measured: r.erpUtilization === null ? 'no rate limit' : String(r.erpUtilization),
            met: r.erpUtilization !== null && r.erpUtilization >= 0.9,
        },
        {
            name: `${n} instances: nothing lost, posted twice or out of order`,
            target: '0 / 0 / 0',
            measured: `${r.lost} / ${r.duplicatePostings} / ${r.orderViolations}`,
            met: r.lost === 0 && r.duplicatePostings === 0 && r.orderViolations === 0,
        },
    ];
}

const usd = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));

/** bench/results.md from the results object (the JSON beside it holds every figure). */
export function renderBenchMarkdown(results: {
    measuredAt: string;
    command: string;
    machine: { cpus: number; memoryGb: number; node: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
    scenario: Scenario;
    timeScale: number;
    pricesAsOf: string;
    intake: IntakeBenchResult & { measuredAt?: string };
    runs: BenchRun[];
    targets: TargetCheck[];
    durationMs: number;
}): string {
    const { intake, runs, machine, scenario } = results;
    const scaled = (seconds: number) => Math.round(seconds * results.timeScale * 100) / 100;
    const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
    const lines = [
        '# Benchmark results',
        '',
        `Measured ${results.measuredAt} with \`${results.command}\` on ${machine.cpus} cores, ${machine.memoryGb} GiB, Node ${machine.node};`,
        `load average ${machine.loadAverageBefore.join(' / ')} before and ${machine.loadAverageAfter.join(' / ')} after (other work on the machine slows every figure).`,
        `Whole benchmark: ${Math.round(results.durationMs / 1000)} s. How to read it: [docs/benchmarks.md](../docs/benchmarks.md).`,
        '',
        '## Intake',
        '',
        ...carried(results.intake.measuredAt),
        row(['server', 'requests', 'concurrency', 'per second', 'p50 ms', 'p95 ms', 'p99 ms', 'statuses']),
        row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
        ...(
            [
                ['bare node:http answering 202', intake.bareNode],
                ['our intake (validate, map, enqueue durably)', intake.intake],
            ] as const
        ).map(([name, f]) =>
            row([
                name,
                f.requests,
                f.concurrency,
                f.perSecond,
                f.latencyMs.p50,
                f.latencyMs.p95,
                f.latencyMs.p99,
                JSON.stringify(f.statuses),
            ]),
        ),
        '',
        `Ratio (ours / bare): **${intake.ratio}**.`,
        '',
        '## Launch: ours beside the baselines',
        '',
        ...carried(runs.find((r) => r.policy !== 'ours')?.measuredAt, 'The baselines'),
        `Scenario: ${scenario.name} (${scenario.events} events requested, ${scenario.units} units, ERP rate limit ${scenario.erp.rateLimitPerSec}/s, ${Math.round(scenario.erp.transientErrorRate * 100)} % transient errors). ` +
            `Every wait (our backoff, breaker and probe interval, the baselines' retry intervals) is multiplied by ${results.timeScale}, alike for every policy: 60 s of probe interval becomes ${scaled(60)} s, Logic Apps' 7.5 s interval ${scaled(7.5)} s, Power Automate Medium's last retry of up to 896 s ${scaled(896)} s. The ERP's rate limit and Retry-After are not scaled. ` +
            "After the launch an operator re-drives what a baseline gave up on (re-sends each dead-lettered message, resubmits each failed run) in batches of the ERP's rate limit, pass after pass while a pass posts something (5 at most); what posts then is counted as re-driven, the rest as left for manual re-keying. " +
            'ERP goodput: distinct transactions posted before any re-drive / (rate limit × the seconds from the first acceptance to the last of those postings, outside the freeze and the outage).',
        '',
        row([
            'policy',
            'instances',
            'accepted',
            'posted',
            'of which re-driven',
            'left for manual re-keying',
            'duplicate postings',
            'order violations',
            'ERP calls',
            'calls / posting',
            'ERP goodput / rate limit',
            'p50 / p95 / p99 latency s',
            'duration s',
            `cost USD (prices ${results.pricesAsOf})`,
            'retry share',
            're-drive USD',
            'manual re-keying USD',
        ]),
        row(['---', ...new Array<string>(16).fill('---:')]),
        ...runs.map((r) =>
            row([
                r.policy === 'ours' ? '**ours**' : `${r.policy}: ${r.description}`,
                r.instances ?? 1,
                r.report.accepted,
                r.report.posted,
                r.report.redriven,
                r.report.usage.manualRekeys,
                r.report.duplicatePostings,
                r.report.orderViolations,
                r.report.erpCalls,
                r.report.erpCallsPerPosting,
                r.report.erpUtilization ?? 'n/a',
                [r.report.latencyMs.p50, r.report.latencyMs.p95, r.report.latencyMs.p99]
                    .map((ms) => (ms / 1000).toFixed(1))
                    .join(' / '),
                Math.round(r.report.durationMs / 1000),
                usd(r.cost.technicalUsd),
                `${Math.round(r.cost.retryShare * 100)} %`,
                usd(r.cost.redriveUsd),
                usd(r.cost.manualUsd),
            ]),
        ),
        '',
        ...runs.map((r) => {
            const b = r.report.erpCallBreakdown;
            return `ERP calls of ${r.policy}${r.policy === 'ours' ? ` on ${r.instances ?? 1} instance(s)` : ''} by kind: ${b?.firstPosts ?? '?'} first posts, ${b?.retryPosts ?? '?'} re-posts, ${b?.probes ?? '?'} probes, ${b?.lookUps ?? '?'} look-ups before a re-push (the rest of the total: refused and rate-limited calls not metered).`;
        }),
        '',
        ...runs.flatMap((r) => {
            const d = r.report.redrive;
            return d
                ? [
                      `Re-drive of ${r.policy}: ${d.transactions} transactions re-sent (${d.messages} messages in ${d.passes} passes); ${r.report.redriven} then posted, ${r.report.usage.manualRekeys} left for manual re-keying.`,
                  ]
                : [];
        }),
        '',
        ...fleetSection(runs, scenario),
        '## Cost over the contract period',
        '',
        row([
            'policy',
            'years',
            'launches',
            'steady-state events',
            'cloud + API USD',
            're-drive USD',
            'manual re-keying USD',
            'total USD',
        ]),
        row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
        ...runs.map((r) =>
            row([
                r.policy,
                r.projection.years,
                r.projection.launches,
                r.projection.steadyEvents,
                usd(r.projection.launchesUsd + r.projection.steadyUsd + r.projection.serviceBusBaseUsd),
                usd(r.projection.redriveUsd),
                usd(r.projection.manualUsd),
                usd(r.projection.totalUsd),
            ]),
        ),
        '',
        '## Targets',
        '',
        row(['target', 'wanted', 'measured', 'met']),
        row(['---', '---', '---', '---']),
        ...results.targets.map((t) => row([t.name, t.target, t.measured, t.met ? 'yes' : '**no**'])),
        '',
    ];
    return `${lines.join('\n')}\n`;
}

/** A line saying a section was carried over from an earlier run (--reuse), or nothing when it ran with the rest. */
function carried(measuredAt: string | undefined, what = 'This section'): string[] {
    return measuredAt
        ? [`${what}: carried over from the run of ${measuredAt} (\`--reuse\`), not measured again.`, '']
        : [];
}

/** Our pipeline on one instance and on several, side by side: one ERP limit for all of them (issue 14). */
function fleetSection(runs: BenchRun[], scenario: Scenario): string[] {
    const ours = runs.filter((r) => r.policy === 'ours');
    if (ours.length < 2) return [];
    const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
    const limit = scenario.erp.rateLimitPerSec;
    return [
        '## Fleet: one ERP limit for every instance',
        '',
        `Each instance has its own pacer, breaker, retry budget view, caches and session slots (host.json); they share the queue, Table Storage (where they claim their shares of the limit, see docs/erp-fleet-limit.md), the ERP and Dataverse. The ERP's limit is ${limit} calls/s; its busiest second is measured from its own request log (sliding 1 s windows, 429s included).`,
        '',
        row([
            'instances',
            'posted',
            'lost / duplicate / out of order',
            'ERP calls',
            'calls / posting',
            'busiest second at the ERP',
            'utilisation',
            '429s',
            'p50 / p95 / p99 latency s',
            'duration s',
            'peak RSS MB',
        ]),
        row(['---:', '---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
        ...ours.map((r) =>
            row([
                r.instances ?? 1,
                r.report.posted,
                `${r.report.lost} / ${r.report.duplicatePostings} / ${r.report.orderViolations}`,
                r.report.erpCalls,
                r.report.erpCallsPerPosting,
                `${r.report.erpPeakCallsPerSec ?? '?'} (${limit > 0 ? Math.round(((r.report.erpPeakCallsPerSec ?? 0) / limit) * 100) / 100 : '-'} x limit)`,
                r.report.erpUtilization ?? '-',
                r.report.erpCallsByStatus ? (r.report.erpCallsByStatus['429'] ?? 0) : '?',
                [r.report.latencyMs.p50, r.report.latencyMs.p95, r.report.latencyMs.p99]
                    .map((ms) => (ms / 1000).toFixed(1))
                    .join(' / '),
                Math.round(r.report.durationMs / 1000),
                r.report.peakRssMb,
            ]),
        ),
        '',
    ];
}
