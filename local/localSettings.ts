import { z } from 'zod';
import { ConfigError } from '../src/config/configError';

const port = z.coerce.number().int().min(0).max(65535);

/**
 * The embedded defaults `npm start` runs on: loopback ports and a state directory. Nothing here is a secret;
 * the function key is generated at first start into the state directory and printed.
 */
export const localSettingsSchema = z.object({
    LOCAL_STATE_DIR: z.string().min(1).default('.local'),
    LOCAL_HOST_PORT: port.default(7071),
    LOCAL_ERP_PORT: port.default(7081),
    LOCAL_DATAVERSE_PORT: port.default(7082),
    LOCAL_GRAPH_PORT: port.default(7083),
    LOCAL_AZURITE_BLOB_PORT: port.default(10000),
    LOCAL_AZURITE_TABLE_PORT: port.default(10002),
    LOCAL_QUEUE_LOCK_MS: z.coerce.number().int().positive().default(30_000),
    /**
     * Function instances the local runtime runs, as a scaled-out app would: each with its own services (ERP pacer,
     * breaker, caches) and session pump, sharing the queue, Azurite and the sandboxes. Intake and timers run on the first.
     */
    LOCAL_INSTANCES: z.coerce.number().int().min(1).max(40).default(1),
    /** How often the local host fires the probe timer (each condition is still probed at most once per probe interval). */
    LOCAL_PROBE_TIMER_MS: z.coerce.number().int().positive().default(5_000),
    /** How often the local host fires the notification dispatch (notices, grouped alerts, escalation). */
    LOCAL_NOTIFY_TIMER_MS: z.coerce.number().int().positive().default(5_000),
    MAX_DELIVERY_COUNT: z.coerce.number().int().positive().default(10),
    ENTITY_MAP_PATH: z.string().min(1).default('config/entity-map.v1.json'),
    ERP_MAP_PATH: z.string().min(1).default('config/erp-map.v1.json'),
    ERP_FAILURE_RULES_PATH: z.string().min(1).default('config/erp-failure-rules.v1.json'),
    RETRY_POLICY_PATH: z.string().min(1).default('config/retry-policy.v1.json'),
    OWNERS_PATH: z.string().min(1).default('config/owners.v1.json'),
    NOTICE_TEMPLATES_PATH: z.string().min(1).default('config/notice-templates.v1.json'),
    RECOGNITION_RULE_PATH: z.string().min(1).default('config/recognition-rule.v1.json'),
    /** `<teamId>/<channelId>` of the reconciliation summary (the Graph sandbox accepts any). */
    RECONCILIATION_CHANNEL: z
        .string()
        .regex(/^[^/]+\/[^/]+$/, 'must be <teamId>/<channelId>')
        .default('finance/19:reconciliation@thread.tacv2'),
    GRAPH_SHARED_MAILBOX: z.email().default('integration@contoso-developments.example'),
    /** Rows per Dataverse page for the backup export; small locally so the sample launch pages too. */
    BACKUP_PAGE_SIZE: z.coerce.number().int().min(1).max(5000).default(5),
    BACKUP_ALERT_TO: z.email().default('integration-team@contoso-developments.example'),
    /** Rows per Dataverse page and page reads per run of the missed-event sweep (run on demand locally). */
    SWEEP_PAGE_SIZE: z.coerce.number().int().min(1).max(5000).default(100),
    SWEEP_MAX_READS: z.coerce.number().int().min(1).max(5000).default(200),
});

export type LocalSettings = z.infer<typeof localSettingsSchema>;

/** Every local port set to 0 (a free one each): for a runtime started beside others (drills, tests). */
export function onFreePorts(): Record<string, string> {
    const ports = [
        'LOCAL_HOST_PORT',
        'LOCAL_ERP_PORT',
        'LOCAL_DATAVERSE_PORT',
        'LOCAL_GRAPH_PORT',
        'LOCAL_AZURITE_BLOB_PORT',
        'LOCAL_AZURITE_TABLE_PORT',
    ] satisfies Array<keyof LocalSettings>;
    return Object.fromEntries(ports.map((p) => [p, '0']));
}

export function loadLocalSettings(env: Record<string, string | undefined>): LocalSettings {
    const parsed = localSettingsSchema.safeParse(env);
    if (!parsed.success) throw ConfigError.fromZod('local settings', parsed.error);
    return parsed.data;
}
