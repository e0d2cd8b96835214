import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { startSandboxDataverse } from '../../sandbox/dataverse/sandboxDataverseServer';

// The CLIs run compiled code; this builds it once and runs them the way a newcomer does (npm start on free ports).
beforeAll(() => {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
        stdio: 'inherit',
    });
}, 120_000);

describe('npm start (compiled), with --exit', () => {
    it('starts everything on embedded defaults, replays the sample launch and names what waits and who owns it', () => {
        const stateDir = mkdtempSync(join(tmpdir(), 'start-'));
        const ports = [
            'LOCAL_HOST_PORT',
            'LOCAL_ERP_PORT',
            'LOCAL_DATAVERSE_PORT',
            'LOCAL_GRAPH_PORT',
            'LOCAL_AZURITE_BLOB_PORT',
            'LOCAL_AZURITE_TABLE_PORT',
        ];
        const run = spawnSync(process.execPath, ['dist/scripts/start-local.js', '--exit'], {
            env: { ...process.env, LOCAL_STATE_DIR: stateDir, ...Object.fromEntries(ports.map((p) => [p, '0'])) },
            encoding: 'utf8',
            timeout: 120_000,
        });
        expect(run.status).toBe(0);
        expect(run.stdout).toContain('Sample launch: 48 Dataverse events sent, 48 accepted, 0 ignored, 0 refused.');
        expect(run.stdout).toContain('Transactions: 46 confirmed, 1 parked, 1 held.');
        expect(run.stdout).toMatch(/blocked ERP_MILESTONE_NOT_REACHED \(owner: project\): MARINA-T1 below 70%/);
        expect(run.stdout).toContain('Transactions: 49 confirmed.');
        expect(run.stdout).toMatch(
            /ERP ledger \(ground truth\): 2 commissions, 1 construction-progress, 6 customers, 11 instalments, 3 receipts, 7 reservations, 16 units\./,
        );
    }, 150_000);
});

describe('npm run inspect (compiled)', () => {
    const inspect = (...args: string[]) =>
        spawnSync(process.execPath, ['dist/scripts/inspect.js', ...args], { encoding: 'utf8' });

    it('prints the normalised event and the mapped transaction, exit 0', () => {
        const run = inspect('test/fixtures/dataverse/receipt-create.json');
        expect(run.status).toBe(0);
        const out = JSON.parse(run.stdout) as {
            event: { entity: string; target: Record<string, unknown> };
            map: { outcome: string; transactionType: string; data: Record<string, unknown> };
        };
        expect([out.event.entity, out.map.outcome, out.map.transactionType]).toEqual([
            're_receipt',
            'mapped',
            'receipt',
        ]);
        expect(out.event.target.re_amount).toBe(245000);
        expect(out.map.data.method).toBe('bankTransfer');
    });

    it('exits 1 with the code and reason for a malformed payload', () => {
        const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
        const file = join(dir, 'bad.json');
        writeFileSync(file, '{"MessageName":"Create"');
        const run = inspect(file);
        expect([run.status, run.stdout, run.stderr]).toEqual([
            1,
            '',
            `${file}: INVALID_JSON: body is not valid JSON\n`,
        ]);
    });

    it('exits 2 with usage when the file is missing', () => {
        const run = inspect();
        expect(run.status).toBe(2);
        expect(run.stderr).toContain('usage: npm run inspect -- <payload.json>');
    });
});

describe('npm run dataverse:register (compiled)', () => {
    it('plans the registration against a Dataverse and prints it as JSON with a changes count', async () => {
        const dataverse = await startSandboxDataverse();
        try {
            // Asynchronous: the sandbox answers from this process while the script runs.
            const { stdout } = await promisify(execFile)(
                process.execPath,
                [
                    'dist/scripts/dataverse-register.js',
                    ...['--environment', dataverse.url, '--function-url', 'http://127.0.0.1:7071/api/dataverse/events'],
                    ...['--dry-run', '--json'],
                ],
                { env: { ...process.env, DATAVERSE_WEBHOOK_KEY: 'compiled-cli-key-0123456789' } },
            );
            const plan = JSON.parse(stdout) as { changes: number; findings: unknown[] };
            expect([plan.changes, plan.findings]).toEqual([38, []]);
            expect(stdout).not.toContain('compiled-cli-key-0123456789');
        } finally {
            await dataverse.close();
        }
    });
});
