import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxDataverse, startSandboxDataverse } from '../../../sandbox/dataverse/sandboxDataverseServer';
import { runDataverseRegister } from '../../../scripts/lib/dataverseRegisterCli';
import { keyVaultSecretUrl, readKeyVaultSecret } from '../../../scripts/lib/keyVaultSecret';

let sandbox: SandboxDataverse;
const secret = 'Sup3r-secret-webhook-key-4711';

beforeAll(async () => {
    sandbox = await startSandboxDataverse();
});
afterAll(async () => {
    await sandbox.close();
});

async function cli(argv: string[], env: Record<string, string | undefined> = {}, credential?: TokenCredential) {
    let out = '';
    let err = '';
    const code = await runDataverseRegister(argv, {
        env,
        out: (t) => {
            out += t;
        },
        err: (t) => {
            err += t;
        },
        ...(credential ? { credential } : {}),
    });
    return { code, out, err };
}

const target = () => ['--environment', sandbox.url, '--function-url', 'http://127.0.0.1:7071/api/dataverse/events'];

describe('npm run dataverse:register (in process)', () => {
    it('prints the plan as JSON with a changes count on a dry run, then applies, then has 0 changes', async () => {
        const dry = await cli([...target(), '--dry-run', '--json'], { DATAVERSE_WEBHOOK_KEY: secret });
        expect(dry.code).toBe(0);
        const plan = JSON.parse(dry.out) as {
            changes: number;
            dryRun: boolean;
            endpoint: { action: string; authvalue: string };
        };
        expect([plan.changes, plan.dryRun, plan.endpoint.action, plan.endpoint.authvalue]).toEqual([
            38,
            true,
            'create',
            '***',
        ]);
        expect(sandbox.registration.list('serviceendpoints')).toEqual([]);

        const apply = await cli(target(), { DATAVERSE_WEBHOOK_KEY: secret });
        expect([apply.code, apply.err]).toEqual([0, '']);
        expect(apply.out).toContain('Applied 38 changes.');
        expect(sandbox.registration.list('serviceendpoints')[0]?.authvalue).toBe(secret);

        const again = await cli([...target(), '--json'], {});
        expect(again.code).toBe(0);
        expect((JSON.parse(again.out) as { changes: number }).changes).toBe(0);
    });

    it('never prints the secret, even when it is sent again', async () => {
        const rotated = await cli([...target(), '--rotate-secret'], { DATAVERSE_WEBHOOK_KEY: `${secret}-2` });
        expect(rotated.code).toBe(0);
        expect(rotated.out).toContain('authvalue: *** → ***');
        expect(rotated.out + rotated.err).not.toContain(secret);
        expect(sandbox.registration.list('serviceendpoints')[0]?.authvalue).toBe(`${secret}-2`);
    });

    it('writes the header secret as HttpHeader settings when the app checks a header', async () => {
        const run = await cli([...target(), '--auth', 'http-header'], {
            WEBHOOK_HEADER_SECRET: 'header-secret-0123456789',
            WEBHOOK_HEADER_NAME: 'x-webhook-key',
        });
        expect(run.code).toBe(0);
        expect(run.out).toContain('authtype: WebhookKey → HttpHeader');
        expect(sandbox.registration.list('serviceendpoints')[0]).toMatchObject({
            authtype: 5,
            authvalue: '<settings><setting name="x-webhook-key" value="header-secret-0123456789" /></settings>',
        });
    });

    it('defaults to the local sandbox of npm start and its function key', async () => {
        const state = mkdtempSync(join(tmpdir(), 'register-local-'));
        writeFileSync(join(state, 'function-key'), 'local-function-key-abcdef\n');
        const fresh = await startSandboxDataverse();
        try {
            const port = String(new URL(fresh.url).port);
            const run = await cli([], { LOCAL_STATE_DIR: state, LOCAL_DATAVERSE_PORT: port, LOCAL_HOST_PORT: '7171' });
            expect(run.code).toBe(0);
            expect(run.out.split('\n')[0]).toBe(
                `Dataverse registration for http://127.0.0.1:${port} (local sandbox) (entity map 1.0.0)`,
            );
            expect(fresh.registration.list('serviceendpoints')[0]).toMatchObject({
                url: 'http://127.0.0.1:7171/api/dataverse/events',
                authvalue: 'local-function-key-abcdef',
            });
        } finally {
            await fresh.close();
        }
    });

    it('exits 1 with the pre-flight when the environment lacks what the map needs, 2 for bad usage', async () => {
        const map = join(mkdtempSync(join(tmpdir(), 'register-map-')), 'map.json');
        const grown = JSON.parse((await import('node:fs')).readFileSync('config/entity-map.v1.json', 'utf8')) as {
            entities: Record<string, { fields: unknown[] }>;
        };
        grown.entities.contact?.fields.push({
            source: 're_passport',
            target: 'passport',
            transform: 'text',
            required: false,
            conflict: 'crmWins',
            direction: 'crmToErp',
        });
        writeFileSync(map, JSON.stringify(grown));
        // The endpoint is as the previous test left it (HttpHeader), so the column is the only error.
        const missing = await cli([...target(), '--map', map, '--auth', 'http-header']);
        expect(missing.code).toBe(1);
        expect(missing.out).toContain(
            'error   COLUMN_MISSING  column contact.re_passport does not exist (mapped to passport)',
        );
        expect(missing.out).toContain('Nothing was changed: the pre-flight found 1 error.');

        const noHook = await cli(['--environment', 'https://contoso.crm4.dynamics.com']);
        expect(noHook.code).toBe(2);
        expect(noHook.err).toContain('--function-url: say where Dataverse sends events');
        const badPort = await cli([
            '--environment',
            'https://contoso.crm4.dynamics.com',
            '--function-url',
            'https://app.example:8443/api/dataverse/events',
        ]);
        expect(badPort.err).toContain('Dataverse calls webhooks on https (port 443) only');
    });

    it('asks a real organisation for a token for <org>/.default through the credential, and says how to sign in when it fails', async () => {
        const scopes: string[] = [];
        const failing: TokenCredential = {
            getToken: async (scope) => {
                scopes.push(String(scope));
                throw new Error('DefaultAzureCredential: no credential');
            },
        };
        const run = await cli(
            [
                '--environment',
                'https://contoso.crm4.dynamics.com',
                '--function-url',
                'https://app.example/api/dataverse/events',
                '--dry-run',
            ],
            {},
            failing,
        );
        expect(scopes[0]).toBe('https://contoso.crm4.dynamics.com/.default');
        expect(run.code).toBe(2);
        expect(run.err).toContain('no Dataverse token: DefaultAzureCredential: no credential');
        expect(run.err).toContain('Sign in with `az login`');
    });
});

describe('the secret from Key Vault', () => {
    it('accepts only a Key Vault secret identifier and asks for a token for that cloud', () => {
        expect(keyVaultSecretUrl('https://kv-crm.vault.azure.net/secrets/dataverse-webhook-key/')).toEqual({
            url: 'https://kv-crm.vault.azure.net/secrets/dataverse-webhook-key',
            scope: 'https://vault.azure.net/.default',
        });
        expect(() => keyVaultSecretUrl('https://evil.example/secrets/x')).toThrow(/vault\.azure\.net\/secrets/);
        expect(() => keyVaultSecretUrl('http://kv-crm.vault.azure.net/secrets/x')).toThrow(
            /vault\.azure\.net\/secrets/,
        );
    });

    it('reads the value with the bearer token and names the role to grant when refused', async () => {
        const seen: string[] = [];
        const server = createServer((req, res) => {
            seen.push(`${req.url} ${req.headers.authorization}`);
            if (req.url?.startsWith('/secrets/denied')) res.writeHead(403).end();
            else
                res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ value: 'from-vault' }));
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
            expect(await readKeyVaultSecret(`${base}/secrets/key`, 'vault-token')).toBe('from-vault');
            expect(seen[0]).toBe('/secrets/key?api-version=7.4 Bearer vault-token');
            await expect(readKeyVaultSecret(`${base}/secrets/denied`, 't')).rejects.toThrow(
                /'Key Vault Secrets User' role/,
            );
        } finally {
            server.close();
        }
    });
});
