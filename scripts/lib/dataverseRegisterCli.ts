import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { loadLocalSettings } from '../../local/localSettings';
import { DataverseRegistrationClient } from '../../src/adapters/dataverse/dataverseRegistrationClient';
import { ConfigError } from '../../src/config/configError';
import { loadConfigFile } from '../../src/config/configFile';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import type { EndpointAuth } from '../../src/registration/desiredRegistration';
import { registerDataverse } from '../../src/registration/registerDataverse';
import { registrationJson, renderRegistration } from '../../src/registration/renderRegistration';
import { loadEnvironmentConfig } from '../../src/smoke/environmentConfig';
import { keyVaultSecretUrl, readKeyVaultSecret } from './keyVaultSecret';

export const usage = `usage: npm run dataverse:register -- [--dry-run] [--json] [--environment <org url | name>]
    [--function-url <url>] [--auth webhook-key|http-header] [--header-name <name>]
    [--secret-env <VARIABLE> | --secret-keyvault <secret uri>] [--rotate-secret] [--map <entity map>]`;

/** The token the sandbox accepts; a real organisation gets an Entra ID token from DefaultAzureCredential. */
const localToken = 'local-development-token';

export interface RegisterDeps {
    env: Record<string, string | undefined>;
    out: (text: string) => void;
    err: (text: string) => void;
    /** Defaults to DefaultAzureCredential (az login, azd auth login, a managed identity, a pipeline identity). */
    credential?: TokenCredential;
}

interface Target {
    environment: string;
    orgUrl: string;
    functionUrl: string;
    local: boolean;
    /** The local function key, the default WebhookKey secret against the local sandbox. */
    localKey: string | undefined;
}

/**
 * `npm run dataverse:register`: resolves the organisation, the webhook URL, its auth and secret, and one token
 * provider (the development token for the local sandbox, DefaultAzureCredential for a real organisation), then
 * runs the registration. Exit 0 done (or planned), 1 pre-flight errors or a refused change, 2 bad usage or an
 * environment that could not be reached. The secret is never printed: the output is scrubbed of it as well.
 */
export async function runDataverseRegister(argv: string[], deps: RegisterDeps): Promise<number> {
    let secret: string | undefined;
    let hint = '';
    const scrub = (text: string) => (secret && secret.length >= 4 ? text.split(secret).join('***') : text);
    try {
        const { values } = parseArgs({
            args: argv,
            options: {
                'dry-run': { type: 'boolean', default: false },
                json: { type: 'boolean', default: false },
                environment: { type: 'string' },
                'function-url': { type: 'string' },
                auth: { type: 'string' },
                'header-name': { type: 'string' },
                'secret-env': { type: 'string' },
                'secret-keyvault': { type: 'string' },
                'rotate-secret': { type: 'boolean', default: false },
                map: { type: 'string' },
                'timeout-ms': { type: 'string', default: '30000' },
            },
        });
        const timeoutMs = Number(values['timeout-ms']);
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new ConfigError('--timeout-ms', 'a positive integer');
        const target = resolveTarget(values.environment, values['function-url'], deps.env);
        hint = target.local
            ? `Is the local runtime running? Start it with \`npm start\` (its sandbox Dataverse is ${target.orgUrl}).`
            : 'Sign in with `az login` or `azd auth login` as a user (or identity) that is a System Administrator of the environment.';
        const auth = resolveAuth(values.auth, values['header-name'], deps.env);
        const credential = target.local ? undefined : (deps.credential ?? new DefaultAzureCredential());
        const token = async (scope: string) => {
            if (!credential) return localToken;
            const got = await credential.getToken(scope);
            if (!got) throw new Error(`no token for ${scope}`);
            return got.token;
        };
        secret = await resolveSecret(values, auth, target, deps.env, token);
        const map = loadConfigFile(
            resolve(values.map ?? deps.env.ENTITY_MAP_PATH ?? 'config/entity-map.v1.json'),
            entityMapSchema,
        );
        const port = new DataverseRegistrationClient({
            orgUrl: target.orgUrl,
            getToken: () => token(`${target.orgUrl}/.default`),
            timeoutMs,
        });
        const report = await registerDataverse(
            {
                map,
                endpoint: { url: target.functionUrl, auth },
                secret,
                rotateSecret: values['rotate-secret'],
                dryRun: values['dry-run'],
            },
            port,
        );
        deps.out(
            scrub(
                values.json
                    ? `${JSON.stringify(registrationJson(report, target.environment), null, 2)}\n`
                    : renderRegistration(report, target.environment),
            ),
        );
        const failed =
            report.plan.findings.some((f) => f.severity === 'error') ||
            (report.outcome && report.outcome.kind !== 'applied');
        return failed ? 1 : 0;
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const code = (e as { code?: unknown }).code;
        const reach = code === 'CRM_UNAVAILABLE' || code === 'CRM_AUTH' ? `${hint}\n` : '';
        deps.err(scrub(`${message}\n${reach}${e instanceof ConfigError ? `${usage}\n` : ''}`));
        return 2;
    }
}

function resolveTarget(
    environment: string | undefined,
    functionUrl: string | undefined,
    env: RegisterDeps['env'],
): Target {
    if (environment === undefined) {
        // The local runtime `npm start` runs: its sandbox Dataverse, its Functions host and its function key.
        const local = loadLocalSettings(env);
        const keyFile = join(resolve(local.LOCAL_STATE_DIR), 'function-key');
        const orgUrl = `http://127.0.0.1:${local.LOCAL_DATAVERSE_PORT}`;
        return {
            environment: `${orgUrl} (local sandbox)`,
            orgUrl,
            functionUrl: functionUrl ?? `http://127.0.0.1:${local.LOCAL_HOST_PORT}/api/dataverse/events`,
            local: true,
            localKey: existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined,
        };
    }
    const named = /^https?:\/\//i.test(environment) ? undefined : loadEnvironmentConfig(environment);
    const orgUrl = (named?.dataverse.url ?? environment).replace(/\/+$/, '');
    const org = parseUrl(orgUrl, '--environment');
    const local = isLoopback(org);
    if (!local && org.protocol !== 'https:')
        throw new ConfigError('--environment', `${orgUrl}: a Dataverse organisation is https`);
    const webhook =
        functionUrl ??
        (named?.functionAppUrl ? new URL('api/dataverse/events', named.functionAppUrl).toString() : undefined);
    if (webhook === undefined) {
        throw new ConfigError(
            '--function-url',
            'say where Dataverse sends events, e.g. https://<app>.azurewebsites.net/api/dataverse/events',
        );
    }
    const hook = parseUrl(webhook, '--function-url');
    if (!isLoopback(hook) && (hook.protocol !== 'https:' || (hook.port !== '' && hook.port !== '443'))) {
        throw new ConfigError('--function-url', `${webhook}: Dataverse calls webhooks on https (port 443) only`);
    }
    return {
        environment: named ? `${environment} (${orgUrl})` : orgUrl,
        orgUrl,
        functionUrl: webhook,
        local,
        localKey: undefined,
    };
}

function resolveAuth(auth: string | undefined, headerName: string | undefined, env: RegisterDeps['env']): EndpointAuth {
    const chosen = auth ?? (env.INTAKE_AUTH_MODE === 'header' ? 'http-header' : 'webhook-key');
    if (chosen === 'webhook-key') return { type: 'webhookKey' };
    if (chosen === 'http-header') {
        const name = headerName ?? env.WEBHOOK_HEADER_NAME ?? 'x-webhook-key';
        if (!/^[A-Za-z0-9-]+$/.test(name))
            throw new ConfigError('--header-name', `'${name}' is not an HTTP header name`);
        return { type: 'httpHeader', headerName: name };
    }
    throw new ConfigError('--auth', `'${chosen}' is not webhook-key or http-header`);
}

/**
 * The secret, from (in order) Key Vault, the named environment variable, the usual one for the auth type
 * (DATAVERSE_WEBHOOK_KEY: the function key kept for Dataverse; WEBHOOK_HEADER_SECRET: the app's header secret),
 * or, against the local sandbox, the local function key. Undefined when none: only a change that must send it fails.
 */
async function resolveSecret(
    values: { 'secret-env'?: string | undefined; 'secret-keyvault'?: string | undefined },
    auth: EndpointAuth,
    target: Target,
    env: RegisterDeps['env'],
    token: (scope: string) => Promise<string>,
): Promise<string | undefined> {
    if (values['secret-keyvault']) {
        const { url, scope } = keyVaultSecretUrl(values['secret-keyvault']);
        return readKeyVaultSecret(url, await token(scope));
    }
    const variable =
        values['secret-env'] ?? (auth.type === 'webhookKey' ? 'DATAVERSE_WEBHOOK_KEY' : 'WEBHOOK_HEADER_SECRET');
    const fromEnv = env[variable];
    if (values['secret-env'] && !fromEnv) throw new ConfigError('--secret-env', `${variable} is not set`);
    if (fromEnv) return fromEnv;
    return auth.type === 'webhookKey' ? target.localKey : undefined;
}

function parseUrl(text: string, option: string): URL {
    try {
        return new URL(text);
    } catch {
        throw new ConfigError(option, `'${text}' is not a URL`);
    }
}

function isLoopback(url: URL): boolean {
    return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}
