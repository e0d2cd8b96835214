import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config/configError';

/**
 * An environment the smoke test can reach: endpoints and scopes only. Tokens come from DefaultAzureCredential
 * (az login, azd auth login, a managed identity or a CI federated credential), never from this file.
 */
export const environmentConfigSchema = z
    .object({
        description: z.string().optional(),
        functionAppUrl: z.url().optional(),
        dataverse: z.strictObject({
            url: z.url(),
            smokeRecord: z.strictObject({ entity: z.string().min(1), id: z.uuid() }).optional(),
        }),
        erp: z.strictObject({
            baseUrl: z.url(),
            scope: z.string().min(1),
            /** Where the ERP publishes its OpenAPI document, to diff against docs/erp-contract.openapi.json. */
            openApiUrl: z.url().optional(),
        }),
        graph: z.strictObject({
            baseUrl: z.url().default('https://graph.microsoft.com/'),
            sharedMailbox: z.email(),
        }),
        serviceBus: z.strictObject({
            fullyQualifiedNamespace: z
                .string()
                .regex(/^[a-z0-9-]+\.servicebus\.windows\.net$/i, 'a namespace host name'),
            queueName: z.string().min(1),
        }),
        tables: z.strictObject({ endpoint: z.url() }),
        /** Client id of a user-assigned identity, when the smoke test runs as one (e.g. in a pipeline). */
        managedIdentityClientId: z.string().optional(),
    })
    .strict();

export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;

const SECRET_LOOKING = /(secret|password|connectionstring|accountkey|sharedaccess|apikey|token)/i;

export function environmentsDirectory(root = process.cwd()): string {
    return join(root, 'config', 'environments');
}

/** `config/environments/<name>.json`, validated; names what is wrong and where, and which environments exist. */
export function loadEnvironmentConfig(name: string, directory = environmentsDirectory()): EnvironmentConfig {
    if (!/^[a-z0-9][a-z0-9-]*$/i.test(name)) throw new ConfigError(`--env ${name}`, 'not an environment name');
    const path = join(directory, `${name}.json`);
    if (!existsSync(path)) {
        const known = existsSync(directory)
            ? readdirSync(directory)
                  .filter((f) => f.endsWith('.json'))
                  .map((f) => f.slice(0, -5))
            : [];
        throw new ConfigError(path, `no such environment; known: local${known.map((k) => `, ${k}`).join('')}`);
    }
    let json: unknown;
    try {
        json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
        throw new ConfigError(path, `not JSON (${e instanceof Error ? e.message : e})`);
    }
    const secretKey = findSecretLookingKey(json);
    if (secretKey) throw new ConfigError(path, `'${secretKey}' looks like a secret: this file holds endpoints only`);
    const parsed = environmentConfigSchema.safeParse(json);
    if (!parsed.success) throw ConfigError.fromZod(path, parsed.error);
    return parsed.data;
}

function findSecretLookingKey(value: unknown, path = ''): string | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    for (const [k, v] of Object.entries(value)) {
        const here = path ? `${path}.${k}` : k;
        if (SECRET_LOOKING.test(k)) return here;
        const inner = findSecretLookingKey(v, here);
        if (inner) return inner;
    }
    return undefined;
}
