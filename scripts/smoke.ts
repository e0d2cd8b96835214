import { parseArgs } from 'node:util';
import { ConfigError } from '../src/config/configError';
import { loadEnvironmentConfig } from '../src/smoke/environmentConfig';
import { renderSmokeReport, type SmokeResult } from '../src/smoke/smokeCheck';
import { SmokeUnreachableError, smokeAzure } from './lib/azureSmoke';
import { smokeLocal } from './lib/localSmoke';

/**
 * npm run smoke -- --env <name> [--channel integration] [--json] [--timeout-ms 20000]
 * Exercises every integration point (Dataverse read and write-back, the ERP contract, Graph, Service Bus, Tables,
 * the function app) against an environment and reports which pass. Run it after any ERP or CRM upgrade.
 * `local` starts the local runtime with its sandboxes; any other name is config/environments/<name>.json.
 * It posts one test card to `--channel` (a contact of config/owners.v1.json, default `integration`, or
 * `<teamId>/<channelId>`) as the app's Teams identity; in Azure the function app posts it (SMOKE_TOKEN: an
 * Entra ID token of a user with Console.Act).
 * Exit code 0 all passed, 1 a check failed, 2 the environment could not be tried (configuration, credential).
 */
async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            env: { type: 'string' },
            channel: { type: 'string', default: 'integration' },
            json: { type: 'boolean', default: false },
            'timeout-ms': { type: 'string', default: '20000' },
        },
    });
    const name = values.env;
    if (!name) throw new ConfigError('npm run smoke', 'say which environment: --env local or --env <name>');
    const timeoutMs = Number(values['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new ConfigError('--timeout-ms', 'a positive integer');
    const results: SmokeResult[] =
        name === 'local'
            ? await smokeLocal({ timeoutMs, channel: values.channel })
            : await smokeAzure(name, loadEnvironmentConfig(name), {
                  timeoutMs,
                  channel: values.channel,
                  ...(process.env.SMOKE_TOKEN ? { token: process.env.SMOKE_TOKEN } : {}),
              });
    process.stdout.write(
        values.json ? `${JSON.stringify({ environment: name, results }, null, 2)}\n` : renderSmokeReport(name, results),
    );
    return results.some((r) => r.status === 'fail') ? 1 : 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        const known = e instanceof ConfigError || e instanceof SmokeUnreachableError;
        process.stderr.write(
            `${known ? (e as Error).message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
        );
        process.exitCode = 2;
    },
);
