import { sweepCli } from '../src/sweep/sweepCli';

// npm run sweep [-- --since ISO --until ISO] [--json]: see src/sweep/sweepCli.ts.
sweepCli(process.argv.slice(2), process.env, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
}).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`sweep failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 2;
    },
);
