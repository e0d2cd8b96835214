import { periodPattern } from './reconcilePeriod';

const usage =
    'usage: npm run reconcile -- --period YYYY-MM [--project CODE] [--json] [--url http://127.0.0.1:7071] [--token <Entra ID access token>]\n';

/** The value after `--name`, or undefined. */
function option(argv: string[], name: string): string | undefined {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
}

/**
 * npm run reconcile -- --period YYYY-MM [--project CODE] [--json]
 * Runs the reconciliation of a period on the running app (`npm start` locally, no sign-in; or the Function app with
 * --url and --token / RECONCILE_TOKEN, an Entra ID access token for the app's registration whose user holds
 * Console.Act, e.g. `az account get-access-token --resource api://<client id>`): the same endpoint the timer, the
 * console and the connector use, so the report is stored and summarised the same way, under the token's user.
 * Prints the readable report (or the JSON) and exits 0 when balanced, 1 when not, 2 when it could not run.
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
    // No function key opens the operator APIs: in Azure the token names who reconciles; locally nobody signs in.
    const token = option(argv, 'token') ?? env.RECONCILE_TOKEN;
    const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    const run = await fetch(`${base}/api/reconciliations/${period}`, {
        method: 'POST',
        headers,
        // `by` only counts locally (no sign-in); with a token the app records the token's user.
        body: JSON.stringify({ by: `cli ${env.USER ?? 'operator'}`, ...(project ? { project } : {}) }),
    });
    const answer = (await run.json().catch(() => undefined)) as
        | { status?: string; error?: { message?: string } }
        | undefined;
    if (run.status !== 200 || !answer) {
        const hint = run.status === 401 || run.status === 403 ? ' (pass --token: docs/access.md)' : '';
        out.stderr(`reconciliation failed: ${run.status} ${answer?.error?.message ?? ''}${hint}\n`);
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
