import { runDataverseRegister } from './lib/dataverseRegisterCli';

/**
 * npm run dataverse:register -- [--dry-run] [--json] [--environment <org url | name>] …
 * Makes the Dataverse webhook registration match the active entity map (docs/dataverse-setup.md).
 */
runDataverseRegister(process.argv.slice(2), {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
}).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 2;
    },
);
