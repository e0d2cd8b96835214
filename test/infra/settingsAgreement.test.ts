import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localSettingsSchema } from '../../local/localSettings';
import { loadSettings, settingsSchema } from '../../src/config/settings';
import { BicepProject, type ResourceView } from '../../src/infra/bicep/bicepProject';
import { isObjectValue, isUnresolved, valueAt } from '../../src/infra/bicep/bicepValue';
import { possibleKeys } from '../../src/infra/bicep/possibleKeys';
import { isoDurationMs, timeSpanMs } from '../../src/infra/duration';
import { requiredSettings } from '../support/requiredSettings';
import { isOptionalSetting, parsesAs, readCodeSettings } from './codeSettings';

const root = process.cwd();
const project = BicepProject.load(root, 'infra/main.bicep', 'infra/main.parameters.json');
const code = readCodeSettings();
const exemptions = JSON.parse(readFileSync(join(root, 'infra/settings-not-in-azure.json'), 'utf8')) as Record<
    string,
    string
>;
delete exemptions.$comment;
const localExample = JSON.parse(readFileSync(join(root, 'local.settings.example.json'), 'utf8')) as {
    Values: Record<string, string>;
    Omitted?: Record<string, string>;
};
const hostJson = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as {
    functionTimeout: string;
    extensions: { serviceBus: { maxAutoLockRenewalDuration: string; sessionIdleTimeout: string } };
};

function only<T>(items: T[], what: string): T {
    expect(items, what).toHaveLength(1);
    return items[0] as T;
}

const appSettingsResource: ResourceView = only(
    project.resources('Microsoft.Web/sites/config').filter((r) => valueAt(r.body, ['name']) === 'appsettings'),
    'one appsettings resource',
);
const appSettingsExpr = (() => {
    const body = appSettingsResource.bodyExpr;
    if (body.kind !== 'object') throw new Error('appsettings body is not an object');
    const props = body.properties.find((p) => p.key === 'properties');
    if (!props) throw new Error('appsettings has no properties');
    return props.value;
})();
const bicepKeys = possibleKeys(appSettingsExpr, appSettingsResource.instance);
const bicepValues = valueAt(appSettingsResource.body, ['properties']);
const queue = only(project.resources('Microsoft.ServiceBus/namespaces/queues'), 'one Service Bus queue');

/** The app setting's value where the Bicep fixes it; undefined where only Azure knows it (an endpoint, an id). */
function bicepValue(key: string): string | undefined {
    const v = isObjectValue(bicepValues) ? bicepValues[key] : undefined;
    return typeof v === 'string' ? v : undefined;
}

function queueProperty(name: string): unknown {
    return valueAt(queue.body, ['properties', name]);
}

/** Every app setting name the code needs: the schema, the `%NAME%` bindings, the trigger's identity connection. */
const requiredKeys = [
    ...new Set([
        ...code.schemaKeys,
        ...code.bindingSettings.map((b) => b.setting),
        ...code.connections.map((c) => `${c}__fullyQualifiedNamespace`),
    ]),
];

describe('settings the code reads are provided by the Bicep', () => {
    it('derives the list from the code (schema, registrations), not from a list in this test', () => {
        expect(code.schemaKeys.length).toBeGreaterThan(10);
        expect(code.bindingSettings.map((b) => b.kind)).toEqual(expect.arrayContaining(['schedule', 'queueName']));
        expect(code.connections).toContain('ServiceBusConnection');
    });

    it.each(requiredKeys)('%s is an app setting of the function app, or exempted with a reason', (key) => {
        const found = bicepKeys.find((k) => k.key === key);
        if (key in exemptions) {
            expect(found, `${key} is exempted but the Bicep sets it: drop the exemption`).toBeUndefined();
            expect(isOptionalSetting(key), `${key} is exempted, so Azure must start without it`).toBe(true);
            return;
        }
        expect(found, `${key} is read by the code but infra/main.bicep does not set it`).toBeDefined();
        if (found?.conditional) {
            expect(isOptionalSetting(key), `${key} is only set in some deployments, so it must be optional`).toBe(true);
        }
    });

    it('every exemption names a setting the code still reads', () => {
        for (const key of Object.keys(exemptions)) expect(code.schemaKeys).toContain(key);
    });

    it('each trigger connection is identity-based: namespace, credential and client id, no connection string', () => {
        for (const c of code.connections) {
            for (const suffix of ['__fullyQualifiedNamespace', '__credential', '__clientId']) {
                expect(bicepKeys.map((k) => k.key)).toContain(`${c}${suffix}`);
            }
            expect(bicepValue(`${c}__credential`)).toBe('managedidentity');
            expect(bicepKeys.map((k) => k.key)).not.toContain(c);
        }
    });

    it('every app setting in the Bicep is read by the code or by the Functions host (nothing stale)', () => {
        const host = [/^AzureWebJobsStorage__/, /^APPLICATIONINSIGHTS_/, /^FUNCTIONS_/];
        const connectionParts = code.connections.flatMap((c) => [`${c}__credential`, `${c}__clientId`]);
        for (const { key, declaredAt } of bicepKeys) {
            const known = requiredKeys.includes(key) || connectionParts.includes(key) || host.some((r) => r.test(key));
            expect(known, `${key} (${declaredAt}) is set in Azure but nothing reads it`).toBe(true);
        }
    });

    it('every value the Bicep fixes parses with the code own schema', () => {
        let checked = 0;
        for (const key of code.schemaKeys) {
            const v = bicepValue(key);
            if (v === undefined) continue;
            checked++;
            expect(parsesAs(key, v).success, `${key}='${v}' is refused by src/config/settings.ts`).toBe(true);
        }
        expect(checked).toBeGreaterThan(5);
    });

    it('values only Azure knows are endpoints, ids and azd parameters, never forgotten literals', () => {
        const v = isObjectValue(bicepValues) ? bicepValues : {};
        for (const [key, value] of Object.entries(v)) {
            if (!isUnresolved(value)) continue;
            expect(value.reason, key).toMatch(/known after deployment|uniqueString|azd variable/);
        }
    });

    it('timer schedules are six-field NCRONTAB expressions', () => {
        for (const b of code.bindingSettings.filter((s) => s.kind === 'schedule')) {
            const field = (settingsSchema.shape as Record<string, { safeParse(v: unknown): { data?: unknown } }>)[
                b.setting
            ];
            const v = bicepValue(b.setting) ?? field?.safeParse(undefined).data;
            expect(typeof v === 'string' ? v.split(' ') : [], `${b.function}: ${b.setting}`).toHaveLength(6);
        }
    });
});

describe('queue, code and host.json agree', () => {
    const schemaDefaults = loadSettings(requiredSettings);

    it('the queue name is the same in the Bicep queue, its app setting, and the code default', () => {
        const setting = code.bindingSettings.find((b) => b.kind === 'queueName')?.setting as string;
        expect(valueAt(queue.body, ['name'])).toBe(bicepValue(setting));
        expect(bicepValue(setting)).toBe(schemaDefaults.TRANSACTIONS_QUEUE_NAME);
    });

    it('MAX_DELIVERY_COUNT equals the queue maxDeliveryCount (Azure, code default, local default)', () => {
        const max = queueProperty('maxDeliveryCount');
        expect(typeof max).toBe('number');
        expect(Number(bicepValue('MAX_DELIVERY_COUNT'))).toBe(max);
        expect(schemaDefaults.MAX_DELIVERY_COUNT).toBe(max);
        expect(localSettingsSchema.parse({}).MAX_DELIVERY_COUNT).toBe(max);
    });

    it('the queue is session-based, dead-letters on expiry and drops duplicate message ids', () => {
        expect(queueProperty('requiresSession')).toBe(true);
        expect(queueProperty('deadLetteringOnMessageExpiration')).toBe(true);
        expect(queueProperty('requiresDuplicateDetection')).toBe(true);
        // Service Bus allows 20 s to 7 days; Dataverse retries a failed webhook within minutes to hours.
        const window = isoDurationMs(String(queueProperty('duplicateDetectionHistoryTimeWindow')));
        expect(window).toBeGreaterThanOrEqual(60 * 60_000);
        expect(window).toBeLessThanOrEqual(7 * 24 * 60 * 60_000);
    });

    it('the host renews the session lock for as long as an invocation may run', () => {
        const lock = isoDurationMs(String(queueProperty('lockDuration')));
        const renewal = timeSpanMs(hostJson.extensions.serviceBus.maxAutoLockRenewalDuration);
        const timeout = timeSpanMs(hostJson.functionTimeout);
        expect(lock).toBeLessThanOrEqual(5 * 60_000); // Service Bus maximum
        expect(renewal).toBeGreaterThan(lock); // otherwise renewal never happens
        expect(renewal).toBeGreaterThanOrEqual(timeout); // a long delivery keeps its lock until the host stops it
    });

    it('an idle session is released well before its lock would expire', () => {
        const lock = isoDurationMs(String(queueProperty('lockDuration')));
        expect(timeSpanMs(hostJson.extensions.serviceBus.sessionIdleTimeout)).toBeLessThan(lock);
    });

    it('one delivery (look-up, post, write-back at their timeouts) fits in the function timeout', () => {
        const erp = Number(bicepValue('ERP_TIMEOUT_MS'));
        const dataverse = Number(bicepValue('DATAVERSE_TIMEOUT_MS'));
        expect(2 * erp + 2 * dataverse).toBeLessThan(timeSpanMs(hostJson.functionTimeout));
    });

    it('the message time-to-live outlasts every retry the policy can schedule', () => {
        const policy = JSON.parse(readFileSync(join(root, bicepValue('RETRY_POLICY_PATH') as string), 'utf8')) as {
            default: { capMs: number; maxAttempts: number };
            byType?: Record<string, { capMs: number; maxAttempts: number }>;
        };
        const longest = Math.max(
            ...[policy.default, ...Object.values(policy.byType ?? {})].map((p) => p.capMs * p.maxAttempts),
        );
        expect(isoDurationMs(String(queueProperty('defaultMessageTimeToLive')))).toBeGreaterThan(longest);
    });
});

describe('backups go to their own account', () => {
    it('BACKUP_CONTAINER is a container of the backup account, not of the app account', () => {
        const containers = project.resources('Microsoft.Storage/storageAccounts/blobServices/containers');
        const backup = containers.find((c) => valueAt(c.body, ['name']) === bicepValue('BACKUP_CONTAINER'));
        expect(backup, 'no container named like BACKUP_CONTAINER').toBeDefined();
        expect(backup?.symbol).toBe('backupContainer');
        const endpoint = appSettingsExprKey('BACKUP_BLOB_ENDPOINT');
        expect(endpoint).toMatch(/backupBlobEndpoint/);
    });
});

/** The source text of an app setting's value in main.bicep (for values only Azure knows). */
function appSettingsExprKey(key: string): string {
    const main = readFileSync(join(root, 'infra/main.bicep'), 'utf8');
    return new RegExp(`^\\s+${key}: (.+)$`, 'm').exec(main)?.[1] ?? '';
}

describe('local.settings.example.json', () => {
    it('provides every setting the code reads (or says why an optional one is omitted)', () => {
        for (const key of requiredKeys) {
            const present = key in localExample.Values || key in (localExample.Omitted ?? {});
            expect(present, `${key} is missing from local.settings.example.json`).toBe(true);
            if (key in (localExample.Omitted ?? {})) expect(isOptionalSetting(key), key).toBe(true);
        }
    });

    it('starts: its values pass the same validation as Azure app settings', () => {
        expect(() => loadSettings(localExample.Values)).not.toThrow();
    });

    it('agrees with the Bicep where the Bicep fixes a value', () => {
        for (const key of ['TRANSACTIONS_QUEUE_NAME', 'MAX_DELIVERY_COUNT', 'PROBE_SCHEDULE']) {
            expect(localExample.Values[key], key).toBe(bicepValue(key));
        }
    });
});
