import { reconcileCli } from '../src/reconciliation/reconcileCli';

// npm run reconcile -- --period YYYY-MM [--project CODE] [--json]: see src/reconciliation/reconcileCli.ts.
reconcileCli(process.argv.slice(2), process.env, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
}).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`reconcile failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 2;
    },
);
