import type { SweepRun } from './sweepRun';

const usage =
    'usage: npm run sweep [-- --since <ISO 8601>] [--until <ISO 8601>] [--json] [--url http://127.0.0.1:7071] [--token <Entra ID access token>]\n';

/** The value after `--name`, or undefined. */
function option(argv: string[], name: string): string | undefined {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
}

/**
 * npm run sweep [-- --since … --until …] [--json]
 * Sweeps for Dataverse events the integration never received, on the running app (`npm start` locally, no sign-in;
 * or the Function app with --url and --token / SWEEP_TOKEN, an Entra ID access token for the app's registration
 * whose user holds Console.Act): the same endpoint the console and the connector use, so the run is recorded and
 * reported in the end-of-day summary the same way. Without a window it sweeps from where the last complete run ended.
 * Prints the run (or its JSON) and exits 0 when complete, 1 when incomplete or failed, 2 when it could not run.
 */
export async function sweepCli(
    argv: string[],
    env: Record<string, string | undefined>,
    out: { stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<number> {
    const known = ['--since', '--until', '--json', '--url', '--token', '--help'];
    const unknown = argv.filter((a) => a.startsWith('--') && !known.includes(a));
    if (unknown.length > 0 || argv.includes('--help')) {
        out.stderr(`${unknown.length > 0 ? `unknown option ${unknown[0]}\n` : ''}${usage}`);
        return 2;
    }
    const since = option(argv, 'since');
    const until = option(argv, 'until');
    const base = (option(argv, 'url') ?? env.SWEEP_URL ?? 'http://127.0.0.1:7071').replace(/\/+$/, '');
    // No function key opens the operator APIs: in Azure the token names who sweeps; locally nobody signs in.
    const token = option(argv, 'token') ?? env.SWEEP_TOKEN;
    let response: Response;
    try {
        response = await fetch(`${base}/api/sweeps`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify({ ...(since ? { since } : {}), ...(until ? { until } : {}) }),
        });
    } catch (e) {
        out.stderr(
            `sweep failed: cannot reach ${base} (${e instanceof Error ? e.message : String(e)}); is npm start running?\n`,
        );
        return 2;
    }
    const answer = (await response.json().catch(() => undefined)) as
        | (SweepRun & { error?: { message?: string } })
        | undefined;
    if (response.status !== 200 || !answer) {
        const hint = response.status === 401 || response.status === 403 ? ' (pass --token: docs/access.md)' : '';
        out.stderr(`sweep failed: ${response.status} ${answer?.error?.message ?? ''}${hint}\n`);
        return 2;
    }
    out.stdout(argv.includes('--json') ? `${JSON.stringify(answer)}\n` : describeRun(answer));
    return answer.status === 'complete' ? 0 : 1;
}

/** The run as a short report: the window, each table's counts, the rows replayed and what failed. */
export function describeRun(run: SweepRun): string {
    const lines = [
        `sweep ${run.id}: ${run.status}`,
        `window ${run.window.since} to ${run.window.until}, ${run.reads} Dataverse page reads`,
        '',
        'table                     rows  replayed  present  ignored  failed',
        ...run.tables.map(
            (t) =>
                `${t.entity.padEnd(24)} ${String(t.rowsRead).padStart(5)} ${String(t.replayed).padStart(9)} ${String(t.alreadyPresent).padStart(8)} ${String(t.ignored).padStart(8)} ${String(t.failed).padStart(7)}${t.complete ? '' : `  not read to the end: ${t.problem ?? ''}`}`,
        ),
    ];
    if (run.replays.length > 0) {
        lines.push(
            '',
            `replayed (missed events${run.totals.replayed > run.replays.length ? `, first ${run.replays.length}` : ''}):`,
        );
        for (const r of run.replays)
            lines.push(
                `  ${r.entity} ${r.recordId} -> ${r.transactionId}${r.invalid ? ` (to review: ${r.invalid})` : ''}`,
            );
    }
    if (run.failures.length > 0) {
        lines.push('', 'failed:');
        for (const f of run.failures) lines.push(`  ${f.entity}${f.recordId ? ` ${f.recordId}` : ''}: ${f.reason}`);
    }
    return `${lines.join('\n')}\n`;
}
