import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeLaunch } from '../local/launchSummary';
import { startLocalRuntime } from '../local/localRuntime';
import { loadLocalSettings } from '../local/localSettings';
import { reportSampleProgress, runSampleLaunch } from '../local/sampleLaunch';
import { DataverseWebhookEmitter } from '../sandbox/dataverse/dataverseWebhookEmitter';

/**
 * npm start [-- --no-sample] [-- --exit]
 * Runs the product locally on embedded defaults (loopback only, no Azure account, no network) and replays a
 * small sample launch so a newcomer sees it work. --exit stops after the sample (used by the start-up smoke test).
 */
async function main(argv: string[]): Promise<number> {
    const settings = loadLocalSettings(process.env);
    const say = (line: string) => process.stdout.write(`${line}\n`);
    const runtime = await startLocalRuntime(settings, (line) => process.stderr.write(`${line}\n`));
    const api = runtime.host.url;
    say('');
    say('Dataverse → ERP integration, running locally');
    say(
        `  functions host     ${api}/api   (function key ${runtime.functionKeyCreated ? 'generated' : 'kept'} in ${join(runtime.stateDir, 'function-key')})`,
    );
    say(`  function key       ${runtime.functionKey}`);
    say(`  webhook            POST ${api}/api/dataverse/events?code=<function key>`);
    // Operator APIs need no key or sign-in on loopback (CONSOLE_AUTH=none); in Azure an Entra ID token (docs/access.md).
    say(`  transactions       GET  ${api}/api/transactions?sourceRecordId=<guid>   (no sign-in locally)`);
    say(`  ops console        ${api}/api/console`);
    say(`  health             GET  ${api}/api/health`);
    say(`  Azurite            tables ${runtime.azurite.tableUrl}   blobs ${runtime.azurite.blobUrl}`);
    say(`  sandbox ERP        ${runtime.erp.url}   ledger: GET ${runtime.erp.url}/sandbox/ledger`);
    say(
        `  sandbox Dataverse  ${runtime.dataverse.url}/api/data/v9.2   register the webhook: npm run dataverse:register`,
    );
    say(`  sandbox Graph      ${runtime.graph.url}/v1.0   mailbox: GET ${runtime.graph.url}/sandbox/mailbox`);
    say(`  embedded queue     ${join(runtime.stateDir, 'queue')} (journaled; a restart loses nothing)`);
    say('');

    if (!argv.includes('--no-sample')) {
        const runFile = join(runtime.stateDir, 'sample-launch-runs');
        const run = (existsSync(runFile) ? Number(readFileSync(runFile, 'utf8')) || 0 : 0) + 1;
        writeFileSync(runFile, String(run));
        say(`Replaying sample launch #${run} (tower MARINA-T${run}) as Dataverse webhooks...`);
        const emitter = new DataverseWebhookEmitter({
            records: runtime.dataverse.records,
            target: { url: `${api}/api/dataverse/events`, functionKey: runtime.functionKey },
        });
        const result = await runSampleLaunch({
            emitter,
            lookup: runtime.services.lookup,
            run,
            now: new Date(),
            waitForQueue: () => runtime.pump.idle(),
        });
        for (const line of await describeLaunch(result, runtime.erp.books, runtime.services.store, api)) say(line);
        say('');
        say(`The project team reports 75 % for MARINA-T${run}; what waited on the milestone posts by itself...`);
        await reportSampleProgress({
            emitter,
            run,
            now: new Date(),
            percent: 75,
            waitForQueue: () => runtime.pump.idle(),
        });
        result.sent++;
        result.accepted++;
        for (const line of await describeLaunch(result, runtime.erp.books, runtime.services.store, api)) say(line);
        say('');
    }

    if (argv.includes('--exit')) {
        await runtime.stop();
        return 0;
    }
    say('Running. Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
    });
    await runtime.stop();
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`start failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
    },
);
