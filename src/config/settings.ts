import { z } from 'zod';
import { defaultLookbackMs, type SweepOptions } from '../sweep/runSweep';
import { ConfigError } from './configError';
import { azureHostVariable } from './hostingEnvironment';

const positiveInt = z.coerce.number().int().positive();

// A Key Vault reference the platform could not resolve reaches the app as its own text, which anyone who knows the
// vault's name could send: refused, so a missing secret stops start-up instead of becoming the secret.
const headerSecret = z
    .string()
    .min(16)
    .refine((v) => !v.startsWith('@Microsoft.KeyVault('), 'is an unresolved Key Vault reference: create the secret')
    .optional();

/**
 * Every setting the app reads, parsed once at start-up. In Azure they come from app settings (Bicep);
 * locally from the embedded defaults in local/localSettings.ts. A bad value stops start-up naming the key.
 * Identity-based connections only: no connection strings or keys for Azure services in Azure.
 */
export const settingsSchema = z
    .object({
        /** `functionKey`: the Functions host checks `?code=`/x-functions-key; `header`: the handler checks a shared header secret. */
        INTAKE_AUTH_MODE: z.enum(['functionKey', 'header']).default('functionKey'),
        WEBHOOK_HEADER_NAME: z.string().min(1).default('x-webhook-key'),
        /** From Key Vault (app setting reference) when INTAKE_AUTH_MODE=header. */
        WEBHOOK_HEADER_SECRET: headerSecret,
        /** The next header secret during a rotation: both are accepted until Dataverse sends the new one (docs/access.md). */
        WEBHOOK_HEADER_SECRET_NEXT: headerSecret,
        TRANSACTIONS_QUEUE_NAME: z.string().min(1).default('crm-transactions'),
        /** Identity-based Service Bus connection (the trigger's `connection: 'ServiceBusConnection'`). */
        ServiceBusConnection__fullyQualifiedNamespace: z.string().min(1),
        /** Must equal the queue's maxDeliveryCount (infra/): the last delivery records the dead-letter. */
        MAX_DELIVERY_COUNT: positiveInt.default(10),
        STORAGE_TABLE_ENDPOINT: z.url(),
        ERP_BASE_URL: z.url(),
        /** Entra ID scope of the ERP's app registration, e.g. api://contoso-erp/.default. */
        ERP_SCOPE: z.string().min(1),
        ERP_TIMEOUT_MS: positiveInt.default(15_000),
        DATAVERSE_URL: z.url(),
        DATAVERSE_TIMEOUT_MS: positiveInt.default(15_000),
        GRAPH_BASE_URL: z.url().default('https://graph.microsoft.com/'),
        GRAPH_SHARED_MAILBOX: z.email(),
        /** Client id of the user-assigned managed identity (DefaultAzureCredential picks it up). */
        AZURE_CLIENT_ID: z.string().optional(),
        /**
         * The Teams app's Entra registration (client id) and its tenant: channel messages are posted as that app,
         * reached from the managed identity through its federated credential (no secret). Unset: channel posts fail
         * as rejected (mail fallback and an alert), mail still goes.
         */
        TEAMS_APP_CLIENT_ID: z.uuid().optional(),
        TEAMS_APP_TENANT_ID: z.uuid().optional(),
        /** NCRONTAB schedule of the condition probe (frozen periods, ERP outage). */
        PROBE_SCHEDULE: z.string().min(1).default('0 */1 * * * *'),
        /** Days an ended transaction (its state, audit trail and index rows) is kept in Table Storage. */
        RETENTION_DAYS: positiveInt.default(400),
        /** NCRONTAB schedule of the retention purge (default daily, 03:30 UTC). */
        RETENTION_SCHEDULE: z.string().min(1).default('0 30 3 * * *'),
        /** NCRONTAB schedule of the stuck-transaction sweep (transactions nothing moves any more go to review). */
        STUCK_SWEEP_SCHEDULE: z.string().min(1).default('0 */10 * * * *'),
        /** NCRONTAB schedule of the reconciliation at close; it reconciles the previous month (default the 3rd, 06:00 UTC). */
        RECONCILIATION_SCHEDULE: z.string().min(1).default('0 0 6 3 * *'),
        /** Private container of the reconciliation reports, in the state's storage account. */
        RECONCILIATION_CONTAINER: z
            .string()
            .regex(
                /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/,
                'a container name: 3-63 lower-case letters, digits, single hyphens',
            )
            .default('reconciliations'),
        /** The versioned revenue recognition rule and tolerance reconciliation uses. */
        RECOGNITION_RULE_PATH: z.string().min(1).default('config/recognition-rule.v1.json'),
        /** `<teamId>/<channelId>` the reconciliation summary is posted to (the end-of-day channel); none when unset. */
        RECONCILIATION_CHANNEL: z
            .string()
            .regex(/^[^/]+\/[^/]+$/, 'must be <teamId>/<channelId>')
            .optional(),
        /** NCRONTAB schedule of the backup export; weekly by default (Sundays 02:00 UTC). */
        BACKUP_SCHEDULE: z.string().min(1).default('0 0 2 * * 0'),
        /** NCRONTAB schedule of the notification pass: handover notices, then grouped alerts and escalation. */
        NOTIFY_SCHEDULE: z.string().min(1).default('0 */2 * * * *'),
        /** NCRONTAB schedule of the end-of-day summary; it summarises the UTC date it runs on (default 19:00 UTC). */
        SUMMARY_SCHEDULE: z.string().min(1).default('0 0 19 * * *'),
        /**
         * NCRONTAB schedule of the sweep for missed Dataverse events (default daily 18:00 UTC, before the summary that
         * reports it); each run sweeps from where the last complete run ended.
         */
        SWEEP_SCHEDULE: z.string().min(1).default('0 0 18 * * *'),
        /** Rows per Dataverse page the sweep reads (`Prefer: odata.maxpagesize`); Dataverse allows up to 5000. */
        SWEEP_PAGE_SIZE: positiveInt.max(5000).default(500),
        /** Dataverse page reads one sweep may make over all tables (service protection limits); past it, the run is incomplete. */
        SWEEP_MAX_READS: positiveInt.max(5000).default(200),
        /** The ops console page, e.g. https://<app>.azurewebsites.net/api/console; alerts link to `<url>#alert=<id>`. */
        CONSOLE_BASE_URL: z.url().optional(),
        /** Blob endpoint of the backup container; by default the Blob endpoint of the state's storage account. */
        BACKUP_BLOB_ENDPOINT: z.url().optional(),
        /** Private container of the backup files (Blob naming rules: 3-63 lower-case letters, digits, single hyphens). */
        BACKUP_CONTAINER: z
            .string()
            .regex(
                /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/,
                'a container name: 3-63 lower-case letters, digits, single hyphens',
            )
            .default('crm-backups'),
        /** Rows per Dataverse page (`Prefer: odata.maxpagesize`); Dataverse allows up to 5000. */
        BACKUP_PAGE_SIZE: positiveInt.max(5000).default(1000),
        /** Who hears of a failed or incomplete backup: e-mail addresses separated by commas (default: the shared mailbox). */
        BACKUP_ALERT_TO: z
            .string()
            .optional()
            .transform((value, ctx) => {
                const list = (value ?? '')
                    .split(/[,;]/)
                    .map((a) => a.trim())
                    .filter(Boolean);
                for (const address of list) {
                    if (!z.email().safeParse(address).success)
                        ctx.addIssue({ code: 'custom', message: `'${address}' is not an e-mail address` });
                }
                return list;
            }),
        /** Operator APIs and console: `easyAuth` reads App Service Authentication's x-ms-client-principal (app roles Console.Read, Console.Act); `none` allows everything (local only: refused in Azure). */
        CONSOLE_AUTH: z.enum(['easyAuth', 'none']).default('easyAuth'),
        /** Local only: the Graph sandbox whose mailbox and Teams channel the console shows. */
        CONSOLE_SANDBOX_URL: z.url().optional(),
        /** Telemetry to Application Insights (Azure Monitor OpenTelemetry) when set; off when absent. */
        APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
        ENTITY_MAP_PATH: z.string().min(1).default('config/entity-map.v1.json'),
        ERP_MAP_PATH: z.string().min(1).default('config/erp-map.v1.json'),
        ERP_FAILURE_RULES_PATH: z.string().min(1).default('config/erp-failure-rules.v1.json'),
        RETRY_POLICY_PATH: z.string().min(1).default('config/retry-policy.v1.json'),
        OWNERS_PATH: z.string().min(1).default('config/owners.v1.json'),
        NOTICE_TEMPLATES_PATH: z.string().min(1).default('config/notice-templates.v1.json'),
    })
    .superRefine((s, ctx) => {
        if (!s.BACKUP_BLOB_ENDPOINT && !derivedBlobEndpoint(s.STORAGE_TABLE_ENDPOINT)) {
            ctx.addIssue({
                code: 'custom',
                path: ['BACKUP_BLOB_ENDPOINT'],
                message:
                    'required when STORAGE_TABLE_ENDPOINT is not an Azure Table endpoint (…table.core.windows.net)',
            });
        }
        if ((s.TEAMS_APP_CLIENT_ID === undefined) !== (s.TEAMS_APP_TENANT_ID === undefined)) {
            ctx.addIssue({
                code: 'custom',
                path: [s.TEAMS_APP_CLIENT_ID === undefined ? 'TEAMS_APP_CLIENT_ID' : 'TEAMS_APP_TENANT_ID'],
                message: 'TEAMS_APP_CLIENT_ID and TEAMS_APP_TENANT_ID are set together (the Teams app registration)',
            });
        }
        if (s.INTAKE_AUTH_MODE === 'header' && !s.WEBHOOK_HEADER_SECRET) {
            ctx.addIssue({
                code: 'custom',
                path: ['WEBHOOK_HEADER_SECRET'],
                message: 'required (16+ characters) when INTAKE_AUTH_MODE=header',
            });
        }
    });

export type Settings = z.infer<typeof settingsSchema>;

export function loadSettings(env: Record<string, string | undefined>): Settings {
    const parsed = settingsSchema.safeParse(env);
    if (!parsed.success) throw ConfigError.fromZod('app settings', parsed.error);
    const azure = azureHostVariable(env);
    if (parsed.data.CONSOLE_AUTH === 'none' && azure) {
        throw new ConfigError(
            'app settings',
            `CONSOLE_AUTH=none is refused in Azure (${azure} is set): it would let anyone read personal data and act on the review queue. Set CONSOLE_AUTH=easyAuth with App Service Authentication on (docs/access.md).`,
        );
    }
    return parsed.data;
}

/** The backup container's account endpoint: the setting, else the state account's Blob endpoint. */
export function backupBlobEndpoint(s: Pick<Settings, 'BACKUP_BLOB_ENDPOINT' | 'STORAGE_TABLE_ENDPOINT'>): string {
    const endpoint = s.BACKUP_BLOB_ENDPOINT ?? derivedBlobEndpoint(s.STORAGE_TABLE_ENDPOINT);
    if (!endpoint) throw new Error('BACKUP_BLOB_ENDPOINT is not set and cannot be derived from STORAGE_TABLE_ENDPOINT');
    return endpoint;
}

function derivedBlobEndpoint(tableEndpoint: string): string | undefined {
    const m = /^https:\/\/([a-z0-9]+)\.table\.(core\.[a-z.]+)\/?$/i.exec(tableEndpoint);
    return m ? `https://${m[1]}.blob.${m[2]}` : undefined;
}

/** The sweep's bounds from the settings; the first run reaches back 25 hours, and a throttled page is tried 5 times. */
export function sweepOptions(s: Pick<Settings, 'SWEEP_PAGE_SIZE' | 'SWEEP_MAX_READS'>): SweepOptions {
    return {
        pageSize: s.SWEEP_PAGE_SIZE,
        maxReads: s.SWEEP_MAX_READS,
        lookbackMs: defaultLookbackMs,
        maxPageAttempts: 5,
    };
}
