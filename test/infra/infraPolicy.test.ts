import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BicepProject } from '../../tools/infra/bicep/bicepProject';
import type { Expr } from '../../tools/infra/bicep/bicepSyntax';
import { isObjectValue, isUnresolved, valueAt } from '../../tools/infra/bicep/bicepValue';

const root = process.cwd();
const project = BicepProject.load(root, 'infra/main.bicep', 'infra/main.parameters.json');

function deployed(type: string) {
    return project.resources(type).filter((r) => !r.existing);
}

function sourceFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => {
        const p = join(dir, f);
        return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
    });
}

/** Every Expr node of every file, to look for calls that would put a key into a deployment. */
function allExprs(): { file: string; expr: Expr }[] {
    const out: { file: string; expr: Expr }[] = [];
    const walk = (file: string, e: Expr | string) => {
        if (typeof e === 'string') return;
        out.push({ file, expr: e });
        for (const v of Object.values(e)) {
            if (Array.isArray(v))
                for (const x of v) walk(file, typeof x === 'object' && 'value' in x && 'key' in x ? x.value : x);
            else if (v && typeof v === 'object' && 'kind' in v) walk(file, v as Expr);
        }
    };
    for (const i of project.instances()) {
        for (const d of i.file.declarations) {
            if ('value' in d && d.value) walk(i.path, d.value);
            if (d.kind === 'param' && d.defaultValue) walk(i.path, d.defaultValue);
        }
    }
    return out;
}

describe('no keys: every connection is identity-based', () => {
    it('no template reads a key or a connection string (listKeys, listConnectionStrings …)', () => {
        const calls = allExprs().filter(({ expr }) => expr.kind === 'method' && /^list/i.test(expr.name));
        expect(calls.map((c) => c.file)).toEqual([]);
        expect(allExprs().length).toBeGreaterThan(200);
    });

    it('storage accounts refuse shared keys, Service Bus refuses SAS, Application Insights refuses unauthenticated telemetry', () => {
        const accounts = deployed('Microsoft.Storage/storageAccounts');
        expect(accounts).toHaveLength(2);
        for (const a of accounts) expect(valueAt(a.body, ['properties', 'allowSharedKeyAccess']), a.symbol).toBe(false);
        for (const ns of deployed('Microsoft.ServiceBus/namespaces')) {
            expect(valueAt(ns.body, ['properties', 'disableLocalAuth'])).toBe(true);
            expect(valueAt(ns.body, ['sku', 'name'])).toBe('Standard'); // sessions need Standard or Premium
        }
        for (const ai of deployed('Microsoft.Insights/components')) {
            expect(valueAt(ai.body, ['properties', 'DisableLocalAuth'])).toBe(true);
        }
        for (const kv of deployed('Microsoft.KeyVault/vaults')) {
            expect(valueAt(kv.body, ['properties', 'enableRbacAuthorization'])).toBe(true);
        }
    });

    it('the webhook header secrets, current and next, are only ever Key Vault references', () => {
        const main = readFileSync(join(root, 'infra/main.bicep'), 'utf8');
        const settings = [...main.matchAll(/\b(WEBHOOK_HEADER_SECRET\w*): '([^']*)'/g)];
        expect(settings.map(([, key]) => key).sort()).toEqual(['WEBHOOK_HEADER_SECRET', 'WEBHOOK_HEADER_SECRET_NEXT']);
        for (const [, key, value] of settings) expect(value, key).toMatch(/^@Microsoft\.KeyVault\(VaultName=/);
    });

    it('no app setting carries a key', () => {
        const [cfg] = deployed('Microsoft.Web/sites/config');
        const settings = valueAt(cfg?.body, ['properties']);
        expect(isObjectValue(settings)).toBe(true);
        for (const [k, v] of Object.entries(isObjectValue(settings) ? settings : {})) {
            expect(String(typeof v === 'string' ? v : ''), k).not.toMatch(
                /AccountKey=|SharedAccessKey|InstrumentationKey=/,
            );
        }
    });
});

describe('the function app', () => {
    const [plan] = deployed('Microsoft.Web/serverfarms');
    const [site] = deployed('Microsoft.Web/sites');

    it('runs on the Flex Consumption plan with the user-assigned identity only', () => {
        expect(valueAt(plan?.body, ['sku'])).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
        expect(valueAt(site?.body, ['identity', 'type'])).toBe('UserAssigned');
        expect(
            valueAt(site?.body, ['properties', 'functionAppConfig', 'deployment', 'storage', 'authentication', 'type']),
        ).toBe('UserAssignedIdentity');
        expect(valueAt(site?.body, ['properties', 'keyVaultReferenceIdentity'])).toBeDefined();
    });

    it('sets none of the app settings Flex Consumption refuses (runtime and package live in functionAppConfig)', () => {
        const [cfg] = deployed('Microsoft.Web/sites/config').filter((c) => valueAt(c.body, ['name']) === 'appsettings');
        const keys = Object.keys((valueAt(cfg?.body, ['properties']) ?? {}) as object);
        expect(keys.length).toBeGreaterThan(20);
        const refused = [
            'FUNCTIONS_WORKER_RUNTIME',
            'FUNCTIONS_EXTENSION_VERSION',
            'WEBSITE_RUN_FROM_PACKAGE',
            'WEBSITE_NODE_DEFAULT_VERSION',
            'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
            'WEBSITE_CONTENTSHARE',
        ];
        expect(keys.filter((k) => refused.includes(k))).toEqual([]);
    });

    it('runs the Node major version the project pins', () => {
        const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } })
            .engines.node;
        const major = /(\d+)/.exec(engines)?.[1];
        expect(valueAt(site?.body, ['properties', 'functionAppConfig', 'runtime'])).toEqual({
            name: 'node',
            version: major,
        });
    });

    it('has App Service Authentication on whenever the console trusts it (CONSOLE_AUTH=easyAuth), letting the webhook through', () => {
        const [cfg] = deployed('Microsoft.Web/sites/config').filter((c) => valueAt(c.body, ['name']) === 'appsettings');
        expect(valueAt(cfg?.body, ['properties', 'CONSOLE_AUTH'])).toBe('easyAuth');
        const [auth] = deployed('Microsoft.Web/sites/config').filter(
            (c) => valueAt(c.body, ['name']) === 'authsettingsV2',
        );
        expect(auth?.deployed).toBe(true);
        expect(valueAt(auth?.body, ['properties', 'platform', 'enabled'])).toBe(true);
        expect(valueAt(auth?.body, ['properties', 'globalValidation'])).toEqual({
            requireAuthentication: false,
            unauthenticatedClientAction: 'AllowAnonymous',
        });
        expect(valueAt(auth?.body, ['properties', 'identityProviders', 'azureActiveDirectory', 'enabled'])).toBe(true);
    });

    it('is the azd service of azure.yaml (tag azd-service-name)', () => {
        const yaml = readFileSync(join(root, 'azure.yaml'), 'utf8');
        const service = /services:\n {2}([a-z-]+):\n {4}project: \.\n {4}language: ts\n {4}host: function/.exec(
            yaml,
        )?.[1];
        expect(service).toBe('api');
        const tagged = project.root.modules().find((m) => m.path === 'infra/app/functionApp.bicep');
        const d = tagged?.declaration('functionApp');
        expect(d?.kind === 'resource' && JSON.stringify(d.value)).toContain('azd-service-name');
    });
});

describe('role assignments', () => {
    const assignments = project.resources('Microsoft.Authorization/roleAssignments');
    const roles = (scopeType: string) =>
        assignments
            .filter(
                (a) =>
                    a.scopeType === scopeType &&
                    valueAt(a.body, ['properties', 'principalType']) === 'ServicePrincipal',
            )
            .flatMap((a) => (Array.isArray(a.loopItems) ? a.loopItems : []));

    it.each([
        ['Microsoft.ServiceBus/namespaces', ['Azure Service Bus Data Receiver', 'Azure Service Bus Data Sender']],
        [
            'Microsoft.Storage/storageAccounts',
            ['Storage Table Data Contributor', 'Storage Blob Data Owner', 'Storage Blob Data Contributor'],
        ],
        ['Microsoft.KeyVault/vaults', ['Key Vault Secrets User']],
        ['Microsoft.Insights/components', ['Monitoring Metrics Publisher']],
    ])('the app identity has its data roles on %s', (scopeType, expected) => {
        expect(roles(scopeType).sort()).toEqual([...expected].sort());
    });

    it('every role name maps to a built-in role id', () => {
        const rolesModule = project.instances().find((i) => i.path === 'infra/app/roles.bicep');
        const d = rolesModule?.declaration('roleIds');
        const ids = d?.kind === 'var' ? rolesModule?.evaluate(d.value) : undefined;
        const names = assignments.flatMap((a) => (Array.isArray(a.loopItems) ? a.loopItems : []));
        for (const n of names) {
            expect(isObjectValue(ids) ? ids[String(n)] : undefined, String(n)).toMatch(
                /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
            );
        }
    });
});

describe('alerts and the workbook watch what the code logs', () => {
    const code = sourceFiles(join(root, 'src'))
        .concat(sourceFiles(join(root, 'functions')))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
    const logged = (message: string) =>
        new RegExp(`logger\\.(info|warn|error)\\(\\s*[\`']${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(
            code,
        );

    const queries = [
        ...project.resources('Microsoft.Insights/scheduledQueryRules').map((r) => ({
            name: r.symbol,
            query: String(valueAt(r.body, ['properties', 'criteria', 'allOf', '0', 'query']) ?? ''),
        })),
    ];
    const workbook = JSON.parse(readFileSync(join(root, 'infra/monitoring/workbook.json'), 'utf8')) as {
        items: { type: number; content: { query?: string; title?: string } }[];
    };

    it('has the four rules: dead letters, failure-rate spike, parked too long, notice failures', () => {
        const [deadLetters] = project.resources('Microsoft.Insights/metricAlerts');
        const criterion = valueAt(deadLetters?.body, ['properties', 'criteria', 'allOf']);
        expect(criterion).toMatchObject([
            { metricName: 'DeadletteredMessages', operator: 'GreaterThan', threshold: 0 },
        ]);
        expect(queries.map((q) => q.name).sort()).toEqual(['failureRateSpike', 'noticeFailures', 'parkedTooLong']);
    });

    it('the dead-letter alert watches the transactions queue', () => {
        const [deadLetters] = project.resources('Microsoft.Insights/metricAlerts');
        const [queue] = project.resources('Microsoft.ServiceBus/namespaces/queues');
        const dims = valueAt(deadLetters?.body, ['properties', 'criteria', 'allOf']);
        expect(JSON.stringify(dims)).toContain(`"values":["${String(valueAt(queue?.body, ['name']))}"]`);
    });

    it('every log message a rule or a panel looks for is still logged by the code', () => {
        const texts = [...queries.map((q) => q.query), ...workbook.items.map((i) => i.content.query ?? '')];
        const messages = texts.flatMap((t) =>
            [...t.matchAll(/message startswith ['\\]*'?([^'\\]+)'/g)].map((m) => m[1] as string),
        );
        for (const q of queries) expect(q.query, q.name).toMatch(/startswith|customMetrics/);
        expect(messages.length).toBeGreaterThanOrEqual(8);
        for (const m of new Set(messages)) expect(logged(m), `no logger call writes '${m}'`).toBe(true);
    });

    it('every metric a rule or a panel reads is emitted by the code', () => {
        const texts = [...queries.map((q) => q.query), ...workbook.items.map((i) => i.content.query ?? '')];
        const metrics = texts.flatMap((t) => [...t.matchAll(/name == ["']([\w.]+)["']/g)].map((m) => m[1] as string));
        expect(metrics.length).toBeGreaterThan(0);
        for (const m of new Set(metrics)) expect(code, m).toContain(`'${m}'`);
    });

    it('the workbook is a workbook: version, query panels and the Service Bus metric panel', () => {
        expect((workbook as unknown as { version: string }).version).toBe('Notebook/1.0');
        expect(workbook.items.filter((i) => i.type === 3).length).toBeGreaterThanOrEqual(5);
        expect(JSON.stringify(workbook)).toContain('__SERVICE_BUS_ID__');
    });
});

describe('the Teams app registration (Microsoft Graph Bicep extension)', () => {
    const [app] = deployed('Microsoft.Graph/applications');
    const credentials = deployed('Microsoft.Graph/applications/federatedIdentityCredentials');
    const reason = (v: unknown) => (isUnresolved(v) ? v.reason : String(v));

    it('has no secret or certificate: its one credential is federated, trusting the managed identity', () => {
        expect(app).toBeDefined();
        expect(valueAt(app?.body, ['passwordCredentials'])).toBeUndefined();
        expect(valueAt(app?.body, ['keyCredentials'])).toBeUndefined();
        expect(credentials).toHaveLength(1);
        const [fic] = credentials;
        expect(valueAt(fic?.body, ['audiences'])).toEqual(['api://AzureADTokenExchange']);
        expect(reason(valueAt(fic?.body, ['name']))).toMatch(/^app\.uniqueName/);
        // The subject is the principal id of the identity module's managed identity, as main.bicep passes it.
        expect(reason(valueAt(fic?.body, ['subject']))).toMatch(/^identity\.properties/);
        expect(fic?.file).toBe('infra/app/teamsApp.bicep');
    });

    it('gives the function app the registration as TEAMS_APP_CLIENT_ID / TEAMS_APP_TENANT_ID', () => {
        const main = readFileSync(join(root, 'infra/main.bicep'), 'utf8');
        expect(main).toMatch(/^\s+TEAMS_APP_CLIENT_ID: teamsApp\.outputs\.clientId$/m);
        expect(main).toMatch(/^\s+TEAMS_APP_TENANT_ID: teamsApp\.outputs\.tenantId$/m);
        expect(main).toMatch(/^\s+managedIdentityPrincipalId: identity\.outputs\.principalId$/m);
    });

    it('names the Graph extension in bicepconfig.json (the Bicep CLI needs it to compile the module)', () => {
        const config = JSON.parse(readFileSync(join(root, 'infra/bicepconfig.json'), 'utf8')) as {
            extensions: Record<string, string>;
        };
        expect(config.extensions.microsoftGraphV1).toMatch(
            /^br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\/v1\.0:/,
        );
    });
});
