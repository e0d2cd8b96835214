import { DefaultAzureCredential } from '@azure/identity';
import { generateLegacyData } from '../sim/legacyData/generateLegacyData';
import { writeLegacyData } from '../sim/legacyData/writeLegacyData';
import { DataverseWebApiClient } from '../src/adapters/dataverse/dataverseWebApiClient';
import { ErpHttpClient } from '../src/adapters/erp-http/erpHttpClient';
import { loadConfigFile } from '../src/config/configFile';
import { createErpFailureClassifier, erpFailureRulesSchema } from '../src/core/erpFailureClassifier';
import { HttpErpReservationReader } from '../src/migration/erpReservationReader';
import { defaultStateDir } from '../src/migration/migrationState';
import { lineProgress, silentProgress } from '../src/migration/progress';
import { apply, dryRun, signOff } from '../src/migration/runMigration';

const usage = `usage:
  npm run migrate -- --generate <folder> [--rows 50000] [--seed 7] [--defects all|cleansable|none]
  npm run migrate -- --source <folder> --dry-run [--json] [--state <dir>] [--map <file>]
  npm run migrate -- --source <folder> --sign-off <dry run number> --by "<name>" [--role "<role>"] [--state <dir>]
  npm run migrate -- --source <folder> --apply [--json] [--signoff <file>] [--state <dir>] [--map <file>]
        [--concurrency 8]   (Dataverse: DATAVERSE_URL; ERP: ERP_BASE_URL and ERP_SCOPE; loopback URLs need no token)
`;

function option(argv: string[], name: string): string | undefined {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
    return value;
}

function integer(argv: string[], name: string, fallback: number): number {
    const raw = option(argv, name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got '${raw}'`);
    return Number(raw);
}

/** A token for `url`: none needed for the local sandboxes on loopback, the Entra ID credential otherwise. */
function tokenFor(url: string, scope: string): () => Promise<string> {
    const host = new URL(url).hostname;
    if (host === '127.0.0.1' || host === 'localhost') return async () => 'local';
    const credential = new DefaultAzureCredential();
    return async () => {
        const token = await credential.getToken(scope);
        if (!token) throw new Error(`no token for ${scope}`);
        return token.token;
    };
}

async function main(argv: string[]): Promise<number> {
    const json = argv.includes('--json');
    const generate = option(argv, '--generate');
    if (generate) {
        const defects = option(argv, '--defects') ?? 'all';
        if (defects !== 'all' && defects !== 'cleansable' && defects !== 'none') {
            throw new Error(`--defects must be all, cleansable or none, got '${defects}'`);
        }
        const data = generateLegacyData({
            rows: integer(argv, '--rows', 50_000),
            seed: integer(argv, '--seed', 7),
            defects,
        });
        writeLegacyData(generate, data);
        process.stdout.write(
            `${generate}: ${data.manifest.rows} rows in ${data.files.length} files, ${data.manifest.defects.length} planted defects (manifest.json)\n`,
        );
        return 0;
    }
    const source = option(argv, '--source');
    if (!source) {
        process.stderr.write(usage);
        return 2;
    }
    const stateDir = option(argv, '--state') ?? defaultStateDir(source);
    const mapPath = option(argv, '--map') ?? 'config/migration-map.v1.json';
    const progress = lineProgress((line) => process.stderr.write(`${line}\n`));

    if (argv.includes('--dry-run')) {
        const { report, files } = dryRun({ source, mapPath, stateDir, progress: silentProgress });
        if (json)
            process.stdout.write(
                `${JSON.stringify({ ...report, tree: undefined, paymentHistory: undefined, files })}\n`,
            );
        else {
            process.stdout.write(
                `dry run ${report.number}: ${report.clean ? 'clean' : 'BLOCKED'} (content hash ${report.contentHash.slice(0, 16)})\n`,
            );
            for (const c of report.counts)
                process.stdout.write(
                    `  ${c.table.padEnd(12)} ${String(c.sourceRows).padStart(7)} rows → ${c.toLoad} to load\n`,
                );
            for (const r of report.findingsByRule) {
                process.stdout.write(`  ${r.blocks ? 'BLOCKS' : 'fixed '} ${r.rule.padEnd(26)} ${r.rows} rows\n`);
            }
            process.stdout.write(`report: ${files.markdown}\n        ${files.json}\n`);
        }
        return report.clean ? 0 : 1;
    }
    const signOffNumber = option(argv, '--sign-off');
    if (signOffNumber !== undefined) {
        const by = option(argv, '--by');
        if (!by) throw new Error('--sign-off needs --by "<who approved>"');
        const path = signOff(stateDir, integer(argv, '--sign-off', 0), by, option(argv, '--role'));
        process.stdout.write(`sign-off of dry run ${signOffNumber} by ${by}: ${path}\n`);
        return 0;
    }
    if (argv.includes('--apply')) {
        const dataverseUrl = process.env.DATAVERSE_URL ?? 'http://127.0.0.1:7082';
        const erpUrl = process.env.ERP_BASE_URL ?? 'http://127.0.0.1:7081';
        const erpToken = tokenFor(erpUrl, process.env.ERP_SCOPE ?? `${erpUrl}/.default`);
        const classifier = createErpFailureClassifier(
            loadConfigFile(
                process.env.ERP_FAILURE_RULES_PATH ?? 'config/erp-failure-rules.v1.json',
                erpFailureRulesSchema,
            ),
        );
        const ports = {
            crm: new DataverseWebApiClient({
                orgUrl: dataverseUrl,
                getToken: tokenFor(dataverseUrl, `${new URL(dataverseUrl).origin}/.default`),
                integrationOwnedFields: {},
                timeoutMs: 30_000,
            }),
            erp: new ErpHttpClient({ baseUrl: erpUrl, getToken: erpToken, timeoutMs: 30_000, classifier }),
            erpReader: new HttpErpReservationReader({ baseUrl: erpUrl, getToken: erpToken, timeoutMs: 30_000 }),
        };
        const signOffPath = option(argv, '--signoff');
        const result = await apply(ports, {
            source,
            mapPath,
            stateDir,
            progress,
            concurrency: integer(argv, '--concurrency', 8),
            ...(signOffPath ? { signOffPath } : {}),
        });
        if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else {
            const loaded = Object.entries(result.apply.loaded)
                .map(([t, n]) => `${t} ${n}`)
                .join(', ');
            process.stdout.write(
                `loaded: ${loaded}\nERP: ${result.apply.erpPosted} posted, ${result.apply.erpReplayed} replayed\n`,
            );
            process.stdout.write(
                `verified: ${result.verify.ok ? 'intact' : `${result.verify.differenceCount} differences`}; totals ${JSON.stringify(result.verify.totals)}\n`,
            );
            for (const d of result.verify.differences.slice(0, 20))
                process.stdout.write(`  ${d.table} ${d.row}: ${d.what}\n`);
        }
        return result.verify.ok ? 0 : 1;
    }
    process.stderr.write(usage);
    return 2;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        const code = (e as { code?: unknown }).code;
        process.stderr.write(
            `migrate: ${typeof code === 'string' ? `${code}: ` : ''}${e instanceof Error ? e.message : String(e)}\n`,
        );
        process.exitCode = 2;
    },
);
