/** One integration point exercised against an environment; what it proved or why it could not. */
export type IntegrationPoint = 'dataverse' | 'erp' | 'graph' | 'teams' | 'serviceBus' | 'tables' | 'functionApp';

export interface SmokeCheck {
    name: string;
    point: IntegrationPoint;
    /** Resolves to what it saw (one line, no personal data); throws when the integration point does not work. */
    run(): Promise<string | { skipped: string }>;
}

export interface SmokeResult {
    name: string;
    point: IntegrationPoint;
    status: 'pass' | 'fail' | 'skip';
    detail: string;
    ms: number;
}

/**
 * Runs every check, one after the other (they share clients and some write), each under a time limit, and never
 * stops at the first failure: after an upgrade the point is to see everything that broke at once.
 */
export async function runSmokeChecks(
    checks: SmokeCheck[],
    options: { timeoutMs: number; now?: () => number },
): Promise<SmokeResult[]> {
    const now = options.now ?? Date.now;
    const results: SmokeResult[] = [];
    for (const check of checks) {
        const started = now();
        let timer: NodeJS.Timeout | undefined;
        try {
            const outcome = await Promise.race([
                check.run(),
                new Promise<never>((_, reject) => {
                    timer = setTimeout(
                        () => reject(new Error(`no answer within ${options.timeoutMs} ms`)),
                        options.timeoutMs,
                    );
                }),
            ]);
            const skipped = typeof outcome === 'object' ? outcome.skipped : undefined;
            results.push({
                name: check.name,
                point: check.point,
                status: skipped ? 'skip' : 'pass',
                detail: skipped ?? (outcome as string),
                ms: now() - started,
            });
        } catch (e) {
            results.push({
                name: check.name,
                point: check.point,
                status: 'fail',
                detail: describe(e),
                ms: now() - started,
            });
        } finally {
            clearTimeout(timer);
        }
    }
    return results;
}

function describe(e: unknown): string {
    if (!(e instanceof Error)) return String(e);
    const code = (e as { code?: unknown }).code;
    const first = e.message.split('\n')[0] ?? '';
    return typeof code === 'string' && !first.includes(code) ? `${code}: ${first}` : first;
}

export function renderSmokeReport(environment: string, results: SmokeResult[]): string {
    const mark = { pass: '✓', fail: '✗', skip: '–' } as const;
    const lines = [`Smoke test of environment '${environment}':`];
    for (const r of results)
        lines.push(`  ${mark[r.status]} ${r.point.padEnd(11)} ${r.name}: ${r.detail} (${r.ms} ms)`);
    const failed = results.filter((r) => r.status === 'fail').length;
    const passed = results.filter((r) => r.status === 'pass').length;
    const skipped = results.length - failed - passed;
    lines.push(
        failed
            ? `${failed} of ${results.length} failed: do not go live on this environment until they pass.`
            : `All ${passed} passed${skipped ? `, ${skipped} skipped` : ''}.`,
    );
    return `${lines.join('\n')}\n`;
}
