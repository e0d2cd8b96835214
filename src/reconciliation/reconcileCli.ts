import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { periodPattern } from './reconcilePeriod';

const usage =
    'usage: npm run reconcile -- --period YYYY-MM [--project CODE] [--json] [--url http://127.0.0.1:7071] [--key <function key>]\n';

/** The value after `--name`, or undefined. */
function option(argv: string[], name: string): string | undefined {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
}

/**
 * npm run reconcile -- --period YYYY-MM [--project CODE] [--json]
 * Runs the reconciliation of a period on the running app (`npm start` locally, or the Function app with --url and
 * --key / RECONCILE_FUNCTION_KEY): the same endpoint the timer, the console and the connector use, so the report is
 * stored and summarised the same way. Prints the readable report (or the JSON) and exits 0 when balanced, 1 when
 * not, 2 when it could not run.
 */
export async function reconcileCli(
    argv: string[],
    env: Record<string, string | undefined>,
    out: { stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<number> {
    const period = option(argv, 'period');
    if (!period || !periodPattern.test(period)) {
        out.stderr(`${period ? `period must be YYYY-MM, got "${period}"\n` : ''}${usage}`);
        return 2;
    }
    const project = option(argv, 'project');
    const base = (option(argv, 'url') ?? env.RECONCILE_URL ?? 'http://127.0.0.1:7071').replace(/\/+$/, '');
    const keyFile = join(env.LOCAL_STATE_DIR ?? '.local', 'function-key');
    const key =
        option(argv, 'key') ??
        env.RECONCILE_FUNCTION_KEY ??
        (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
    if (!key) {
        out.stderr(`no function key: pass --key, set RECONCILE_FUNCTION_KEY or run npm start first\n${usage}`);
        return 2;
    }
    const headers = { 'x-functions-key': key, 'content-type': 'application/json' };
    const run = await fetch(`${base}/api/reconciliations/${period}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ by: `cli ${env.USER ?? 'operator'}`, ...(project ? { project } : {}) }),
    });
    const answer = (await run.json().catch(() => undefined)) as
        | { status?: string; error?: { message?: string } }
        | undefined;
    if (run.status !== 200 || !answer) {
        out.stderr(`reconciliation failed: ${run.status} ${answer?.error?.message ?? ''}\n`);
        return 2;
    }
    if (argv.includes('--json')) out.stdout(`${JSON.stringify(answer)}\n`);
    else {
        const query = `format=md${project ? `&project=${encodeURIComponent(project)}` : ''}`;
        const markdown = await fetch(`${base}/api/reconciliations/${period}?${query}`, { headers });
        out.stdout(`${await markdown.text()}\n`);
    }
    return answer.status === 'balanced' ? 0 : 1;
}
