import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startSandboxDataverse } from '../sandbox/dataverse/sandboxDataverseServer';
import { startSandboxErp } from '../sandbox/erp/sandboxErpServer';
import { generateLegacyData } from '../sim/legacyData/generateLegacyData';
import { writeLegacyData } from '../sim/legacyData/writeLegacyData';
import { DataverseWebApiClient } from '../src/adapters/dataverse/dataverseWebApiClient';
import { ErpHttpClient } from '../src/adapters/erp-http/erpHttpClient';
import { loadConfigFile } from '../src/config/configFile';
import { createErpFailureClassifier, erpFailureRulesSchema } from '../src/core/erpFailureClassifier';
import { applyMigration } from '../src/migration/applyMigration';
import { auditSource } from '../src/migration/auditSource';
import { HttpErpReservationReader } from '../src/migration/erpReservationReader';
import { readLegacySource } from '../src/migration/legacySource';
import { loadMigrationMap } from '../src/migration/loadMigrationMap';
import { MigrationState } from '../src/migration/migrationState';
import { lineProgress } from '../src/migration/progress';
import { dryRun, signOff } from '../src/migration/runMigration';
import { verifyMigration } from '../src/migration/verifyMigration';

/**
 * node dist/scripts/migrate-bench.js [--rows 50000] [--seed 7] [--concurrency 8]
 * Generates a legacy export, times a dry run of the dirty export and the apply (load, then verification) of its
 * cleansed version against the sandbox Dataverse and ERP, which run in a child process so the peak memory measured
 * is the migration's own. Prints one JSON line.
 */
async function serveSandboxes(): Promise<void> {
    const dataverse = await startSandboxDataverse();
    const erp = await startSandboxErp();
    process.send?.({ dataverse: dataverse.url, erp: erp.url });
}

async function bench(argv: string[]): Promise<void> {
    const arg = (name: string, fallback: number) => {
        const i = argv.indexOf(name);
        return i >= 0 ? Number(argv[i + 1]) : fallback;
    };
    const rows = arg('--rows', 50_000);
    const seed = arg('--seed', 7);
    const concurrency = arg('--concurrency', 8);
    const progress = lineProgress((line) => process.stderr.write(`${line}\n`), 5000);
    const dir = mkdtempSync(join(tmpdir(), 'migrate-bench-'));
    const child = fork(__filename, ['--serve-sandboxes'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
        const urls = await new Promise<{ dataverse: string; erp: string }>((resolve, reject) => {
            child.once('message', (m) => resolve(m as { dataverse: string; erp: string }));
            child.once('exit', (code) => reject(new Error(`sandboxes exited ${code}`)));
        });
        const dirty = join(dir, 'dirty');
        const clean = join(dir, 'cleansed');
        let t = Date.now();
        const dirtyData = generateLegacyData({ rows, seed });
        writeLegacyData(dirty, dirtyData);
        writeLegacyData(clean, generateLegacyData({ rows, seed, defects: 'cleansable' }));
        const generateMs = Date.now() - t;

        const mapPath = 'config/migration-map.v1.json';
        t = Date.now();
        const dirtyRun = dryRun({ source: dirty, mapPath, stateDir: join(dir, 'state-dirty') });
        const dryRunMs = Date.now() - t;
        const state = join(dir, 'state');
        for (let i = 0; i < 3; i++) dryRun({ source: clean, mapPath, stateDir: state });
        signOff(state, 3, 'Benchmark', undefined);

        const { map, text } = loadMigrationMap(mapPath);
        const source = readLegacySource(clean, map, text);
        const plan = auditSource(source, map);
        const loadRows = plan.tables.reduce((s, tb) => s + tb.records.length, 0);
        const getToken = async () => 'local';
        const classifier = createErpFailureClassifier(
            loadConfigFile('config/erp-failure-rules.v1.json', erpFailureRulesSchema),
        );
        const crm = new DataverseWebApiClient({
            orgUrl: urls.dataverse,
            getToken,
            integrationOwnedFields: {},
            timeoutMs: 60_000,
        });
        const erp = new ErpHttpClient({ baseUrl: urls.erp, getToken, timeoutMs: 60_000, classifier });
        const erpReader = new HttpErpReservationReader({ baseUrl: urls.erp, getToken, timeoutMs: 60_000 });
        // The load's own peak, sampled: the process peak below also covers generating and auditing two exports.
        let loadPeakRss = process.memoryUsage().rss;
        const sampler = setInterval(() => {
            loadPeakRss = Math.max(loadPeakRss, process.memoryUsage().rss);
        }, 250);
        t = Date.now();
        const applied = await applyMigration(
            { crm, erp },
            { plan, contentHash: source.contentHash, state: new MigrationState(state), progress, concurrency },
        );
        const applyMs = Date.now() - t;
        t = Date.now();
        const verified = await verifyMigration({ crm, erpReader }, plan, { progress, concurrency });
        const verifyMs = Date.now() - t;
        clearInterval(sampler);
        const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);
        const result = {
            rows: dirtyData.manifest.rows,
            plantedDefects: dirtyData.manifest.defects.length,
            generateMs,
            dryRun: {
                ms: dryRunMs,
                rowsPerSec: perSecond(dirtyData.manifest.rows, dryRunMs),
                findings: dirtyRun.report.findings.length,
            },
            apply: {
                rows: loadRows,
                ms: applyMs,
                rowsPerSec: perSecond(loadRows, applyMs),
                erpPosted: applied.erpPosted,
            },
            verify: {
                ms: verifyMs,
                rowsPerSec: perSecond(loadRows, verifyMs),
                ok: verified.ok,
                differences: verified.differenceCount,
            },
            peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
            applyAndVerifyPeakRssMb: Math.round(loadPeakRss / 2 ** 20),
            concurrency,
            machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
        };
        process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
        child.kill();
        rmSync(dir, { recursive: true, force: true });
    }
}

if (process.argv.includes('--serve-sandboxes')) void serveSandboxes();
else
    bench(process.argv.slice(2)).catch((e: unknown) => {
        process.stderr.write(`migrate-bench: ${e instanceof Error ? e.stack : String(e)}\n`);
        process.exitCode = 1;
    });
