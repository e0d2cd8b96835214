import { formatCost, launchCost, priceListSchema, projectContract } from '../sim/costModel';
import { runLaunch } from '../sim/launchRunner';
import { scenarioSchema } from '../sim/scenarioSchema';
import { loadConfigFile } from '../src/config/configFile';

/**
 * npm run launch -- --scenario <file.json> [--json] [--instances N] [--prices config/prices.v1.json]
 * Replays a launch against the local stack and prints what the ERP's own ledger shows and what the launch cost at the
 * configured unit prices. Exits 1 if anything was lost, posted twice or reached the ERP out of its unit's order.
 */
async function main(argv: string[]): Promise<number> {
    const file = argv[argv.indexOf('--scenario') + 1];
    if (!argv.includes('--scenario') || !file) {
        process.stderr.write('usage: npm run launch -- --scenario <file.json> [--json] [--instances N]\n');
        return 2;
    }
    const loaded = loadConfigFile(file, scenarioSchema);
    // --instances overrides the scenario's: the same launch on one Function instance or on a fleet.
    const instances = argv.includes('--instances') ? Number(argv[argv.indexOf('--instances') + 1]) : undefined;
    const scenario = scenarioSchema.parse({ ...loaded, ...(instances === undefined ? {} : { instances }) });
    const pricesFile = argv.includes('--prices') ? argv[argv.indexOf('--prices') + 1] : 'config/prices.v1.json';
    const prices = loadConfigFile(pricesFile ?? 'config/prices.v1.json', priceListSchema);
    const json = argv.includes('--json');
    const report = await runLaunch(scenario, json ? () => {} : (line) => process.stderr.write(`${line}\n`));
    const cost = launchCost(report.usage, prices);
    const projection = projectContract(cost, prices);
    if (json) process.stdout.write(`${JSON.stringify({ ...report, cost, projection })}\n`);
    else {
        for (const [k, v] of Object.entries(report))
            if (k !== 'usage')
                process.stdout.write(
                    `${k.padEnd(24)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}\n`,
                );
        for (const line of formatCost('cost of this launch', cost, projection)) process.stdout.write(`${line}\n`);
    }
    return report.lost > 0 || report.duplicatePostings > 0 || report.orderViolations > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`launch failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 2;
    },
);
