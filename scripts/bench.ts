import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { logicAppsDefault, powerAutomateMedium, queueThreeAttempts } from '../sim/baselinePolicies';
import { type BenchRun, benchTargets, renderBenchMarkdown } from '../sim/benchReport';
import { formatCost, launchCost, priceListSchema, projectContract } from '../sim/costModel';
import { benchIntake } from '../sim/intakeBench';
import { runLaunch } from '../sim/launchRunner';
import { type Scenario, scenarioSchema } from '../sim/scenarioSchema';
import { loadConfigFile } from '../src/config/configFile';

/**
 * npm run bench [-- --scenario scenarios/bench-launch.json] [--events N] [--units N] [--out bench/results]
 *   [--intake-events N] [--instances 1,8] [--skip-intake] [--skip-baselines] [--reuse bench/results.json]
 * Intake throughput beside a bare node:http server, then the launch through our pipeline on each instance count
 * (default 1 and 8: the fleet sharing one ERP limit) and through the three baselines (Logic Apps' default retry,
 * Power Automate's Medium profile, 3 deliveries then dead-letter; one instance each), each with its cost; writes
 * <out>.json and <out>.md. A skipped section can be carried over from earlier results with --reuse; the report says
 * when each carried section was measured.
 */
async function main(argv: string[]): Promise<number> {
    const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
    const scenarioFile = arg('--scenario') ?? 'scenarios/bench-launch.json';
    const loaded = loadConfigFile(scenarioFile, scenarioSchema);
    const scenario: Scenario = {
        ...loaded,
        ...(arg('--events') ? { events: Number(arg('--events')) } : {}),
        ...(arg('--units') ? { units: Number(arg('--units')) } : {}),
    };
    const out = arg('--out') ?? 'bench/results';
    const prices = loadConfigFile(arg('--prices') ?? 'config/prices.v1.json', priceListSchema);
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const gc = (globalThis as { gc?: () => void }).gc;
    const loadBefore = loadavg();
    const started = Date.now();

    const reuse = arg('--reuse');
    const earlier = reuse ? (JSON.parse(readFileSync(reuse, 'utf8')) as EarlierResults) : undefined;
    const skipIntake = argv.includes('--skip-intake');
    const skipBaselines = argv.includes('--skip-baselines');
    if ((skipIntake || skipBaselines) && reuse && !earlier?.measuredAt)
        throw new Error(`--reuse ${reuse}: no earlier bench results there (no measuredAt)`);
    const instanceCounts = (arg('--instances') ?? '1,8')
        .split(',')
        .map((n) => scenarioSchema.shape.instances.parse(Number(n)));

    let intake: BenchResultsIntake;
    if (skipIntake && earlier)
        intake = { ...earlier.intake, measuredAt: earlier.intake.measuredAt ?? earlier.measuredAt };
    else if (skipIntake) throw new Error('--skip-intake needs --reuse <earlier results.json> for the intake figures');
    else {
        const intakeEvents = Number(arg('--intake-events') ?? 3000);
        say(`intake: ${intakeEvents} webhook events, bare node:http then our intake…`);
        intake = await benchIntake(
            scenarioSchema.parse({
                seed: scenario.seed,
                units: Math.max(10, Math.round(intakeEvents / 25)),
                events: intakeEvents,
            }),
            scenario.concurrency,
        );
        say(`  bare ${intake.bareNode.perSecond}/s, intake ${intake.intake.perSecond}/s, ratio ${intake.ratio}`);
    }

    const runs: BenchRun[] = [];
    const launches = [
        ...instanceCounts.map((instances) => ({ baseline: undefined, instances })),
        ...(skipBaselines
            ? []
            : [logicAppsDefault, powerAutomateMedium, queueThreeAttempts].map((baseline) => ({
                  baseline,
                  instances: 1,
              }))),
    ];
    for (const { baseline, instances } of launches) {
        gc?.();
        const label = baseline?.name ?? 'ours';
        say(`launch (${label}, ${instances} instance(s)): ${scenario.events} events, ${scenario.units} units…`);
        const report = await runLaunch({ ...scenario, instances }, say, baseline ? { baseline } : {});
        const cost = launchCost(report.usage, prices);
        const projection = projectContract(cost, prices);
        for (const line of formatCost(label, cost, projection)) say(`  ${line}`);
        runs.push({ policy: label, description: baseline?.description ?? 'ours', instances, report, cost, projection });
    }
    if (skipBaselines && earlier)
        for (const r of earlier.runs.filter((run) => run.policy !== 'ours'))
            runs.push({ ...r, instances: r.instances ?? 1, measuredAt: r.measuredAt ?? earlier.measuredAt });

    const results = {
        measuredAt: new Date().toISOString(),
        // With the node flags package.json runs it with: the V8 heap cap decides much of the peak RSS.
        command: `${['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ')} (node ${process.execArgv.join(' ')})`,
        machine: {
            cpus: cpus().length,
            memoryGb: Math.round(totalmem() / 2 ** 30),
            node: process.version,
            loadAverageBefore: loadBefore.map((x) => Math.round(x * 10) / 10),
            loadAverageAfter: loadavg().map((x) => Math.round(x * 10) / 10),
        },
        scenario,
        timeScale: scenario.timeScale ?? 1,
        pricesAsOf: prices.asOf,
        intake,
        runs,
        targets: benchTargets(intake, runs, scenario),
        durationMs: Date.now() - started,
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(`${out}.md`, renderBenchMarkdown(results));
    say(`wrote ${out}.json and ${out}.md in ${Math.round((Date.now() - started) / 1000)} s`);
    for (const t of results.targets)
        say(`${t.met ? 'met    ' : 'NOT MET'} ${t.name}: ${t.measured} (target ${t.target})`);
    return 0;
}

type BenchResultsIntake = Awaited<ReturnType<typeof benchIntake>> & { measuredAt?: string };
/** What an earlier bench wrote (<out>.json): the sections --reuse carries over. */
interface EarlierResults {
    measuredAt: string;
    intake: BenchResultsIntake;
    runs: BenchRun[];
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 2;
    },
);
