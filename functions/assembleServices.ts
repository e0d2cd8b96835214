import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { metrics, trace } from '@opentelemetry/api';
import { type BlobConnection, BlobExportStore } from '../src/adapters/azure/blobExportStore';
import { TableAlertStore } from '../src/adapters/azure/tableAlertStore';
import { TableCallMeter } from '../src/adapters/azure/tableCallMeter';
import type { TableConnection } from '../src/adapters/azure/tableClients';
import { TableConditionStore } from '../src/adapters/azure/tableConditionStore';
import { TableErpFleetStateStore } from '../src/adapters/azure/tableErpFleetStateStore';
import { TableHandoverStore } from '../src/adapters/azure/tableHandoverStore';
import { TableMappingLookup } from '../src/adapters/azure/tableMappingLookup';
import { TableNoticeStore } from '../src/adapters/azure/tableNoticeStore';
import { TableSessionGateStore } from '../src/adapters/azure/tableSessionGateStore';
import { TableSubscriptionStore } from '../src/adapters/azure/tableSubscriptionStore';
import { TableSweepRunStore } from '../src/adapters/azure/tableSweepRunStore';
import { TableTransactionStore } from '../src/adapters/azure/tableTransactionStore';
import { DataverseWebApiClient } from '../src/adapters/dataverse/dataverseWebApiClient';
import { ErpHttpClient } from '../src/adapters/erp-http/erpHttpClient';
import { ErpReportingClient } from '../src/adapters/erp-http/erpReportingClient';
import { GraphNotifier } from '../src/adapters/graph/graphNotifier';
import { meteredTransactionStore } from '../src/adapters/otel/meteredTransactionStore';
import { OtelMetricsSink } from '../src/adapters/otel/otelMetricsSink';
import { registerStateGauges } from '../src/adapters/otel/stateGauges';
import { tracingCrmClient } from '../src/adapters/otel/tracingCrmClient';
import { tracingErpClient } from '../src/adapters/otel/tracingErpClient';
import { tracingNotifier } from '../src/adapters/otel/tracingNotifier';
import { tracingSessionQueue } from '../src/adapters/otel/tracingSessionQueue';
import type { BackupOptions } from '../src/backup/runBackup';
import { loadConfigFile } from '../src/config/configFile';
import { loadSessionTriggerSettings } from '../src/config/hostSettings';
import { CallPacer } from '../src/core/callPacer';
import { cachingAbsentConditions } from '../src/core/conditionReadCache';
import { emittingCallMeter } from '../src/core/emittingCallMeter';
import { ErpFleetMember } from '../src/core/erpFleetMember';
import { FleetCircuitBreaker } from '../src/core/fleetCircuitBreaker';
import { workBudget } from '../src/core/invocation';
import { pacedErpClient } from '../src/core/pacedErpClient';
import { RefusedPeriods } from '../src/core/refusedPeriods';
import { RelatedRecords } from '../src/core/relatedRecords';
import { systemClock } from '../src/ports/clock';
import { consoleWarnings, type Logger } from '../src/ports/logger';
import type { SessionQueue } from '../src/ports/sessionQueue';
import { recognitionRuleSchema } from '../src/reconciliation/recognitionRule';
import { ReportArchive } from '../src/reconciliation/reportArchive';
import { cachedSubscriptionStore } from '../src/subscriptions/cachedSubscriptionStore';
import { fetchCallbackSender } from '../src/subscriptions/callbackSender';
import { NotificationDispatcher } from '../src/subscriptions/notificationDispatcher';
import { notifyingTransactionStore } from '../src/subscriptions/notifyingTransactionStore';
import { Subscriptions } from '../src/subscriptions/subscriptions';
import type { SweepOptions } from '../src/sweep/runSweep';
import { tracerName } from '../src/telemetry/telemetryNames';
import type { LoadedConfig } from './configFiles';
import type { Services } from './services';

type GetToken = () => Promise<string>;

/**
 * The wiring both composition roots share (Azure and the local runtime differ only in where things are and how
 * tokens are obtained): Table Storage for state, the Dataverse, ERP and Graph clients, and the core's collaborators.
 */
export async function assembleServices(parts: {
    settings: Services['settings'];
    config: LoadedConfig;
    tables: TableConnection;
    queue: Pick<SessionQueue, 'send'>;
    dataverse: { url: string; getToken: GetToken; timeoutMs: number };
    erp: { url: string; getToken: GetToken; timeoutMs: number };
    /** Mail as the managed identity (`getToken`), channel messages as the Teams app (`getChannelToken`). */
    graph: { url: string; sharedMailbox: string; getToken: GetToken; getChannelToken: GetToken };
    backup: { blobs: BlobConnection; container: string; options: BackupOptions };
    sweep: SweepOptions;
    /** Let flows subscribe plain-HTTP loopback callbacks: the local runtime only, never Azure. */
    allowLoopbackCallbacks?: boolean;
    /** Where background work (the fleet's shared ERP state) reports trouble; the worker's console by default. */
    logger?: Logger;
}): Promise<Services> {
    const { config, tables } = parts;
    const host = loadSessionTriggerSettings();
    const budget = workBudget({
        functionTimeoutMs: host.functionTimeoutMs,
        maxAutoLockRenewalMs: host.maxAutoLockRenewalMs,
        erpTimeoutMs: parts.erp.timeoutMs,
        dataverseTimeoutMs: parts.dataverse.timeoutMs,
    });
    // This process in the fleet: its share of the ERP's limit and its row of the call meter go by this name.
    const instance = randomUUID();
    const [store, lookup, gates, conditions, meter, handovers, fleetState] = await Promise.all([
        TableTransactionStore.create(tables),
        TableMappingLookup.create(tables),
        TableSessionGateStore.create(tables),
        TableConditionStore.create(tables),
        TableCallMeter.create(tables, 'meter', 250, { instance }),
        TableHandoverStore.create(tables),
        TableErpFleetStateStore.create(tables),
    ]);
    // One ERP limit for every instance of the app: each claims a share of it, learns of every 429 and shares one
    // circuit breaker through one row in Table Storage (docs/erp-fleet-limit.md).
    const fleet = new ErpFleetMember(fleetState, config.retryPolicy.erpRateLimitPerSec, {
        id: instance,
        logger: parts.logger ?? consoleWarnings,
    });
    const breaker = new FleetCircuitBreaker(fleet, config.retryPolicy.breaker);
    // Cached for 30 s: every posting asks who subscribed (src/subscriptions/cachedSubscriptionStore.ts).
    const subscriptionStore = cachedSubscriptionStore(await TableSubscriptionStore.create(tables), 30_000);
    const [notices, alerts, sweepRuns] = await Promise.all([
        TableNoticeStore.create(tables),
        TableAlertStore.create(tables),
        TableSweepRunStore.create(tables),
    ]);
    const crm = new DataverseWebApiClient({
        orgUrl: parts.dataverse.url,
        getToken: parts.dataverse.getToken,
        integrationOwnedFields: Object.fromEntries(
            Object.keys(config.entityMap.entities).map((e) => [e, config.entityMap.integrationOwnedColumns]),
        ),
        timeoutMs: parts.dataverse.timeoutMs,
    });
    // Traces and metrics through the OpenTelemetry API: exported to Application Insights once functions/index.ts has
    // started Azure Monitor, no-ops otherwise (locally, in tests). Decorators, so the core knows nothing of telemetry.
    const tracer = trace.getTracer(tracerName);
    const otelMeter = metrics.getMeter(tracerName);
    registerStateGauges(otelMeter, store, () => systemClock.now());
    const tracedCrm = tracingCrmClient(crm, tracer);
    return {
        settings: parts.settings,
        queue: tracingSessionQueue(parts.queue, tracer),
        // Parked, review and posted are announced to the flows subscribed through the connector's trigger.
        store: notifyingTransactionStore(
            meteredTransactionStore(store, otelMeter),
            new NotificationDispatcher({ subscriptions: subscriptionStore, send: fetchCallbackSender(5_000) }),
        ),
        lookup,
        related: new RelatedRecords(config.entityMap, lookup, tracedCrm),
        // Traced inside the pacer: a span measures the ERP's answer, not our own pacing wait.
        erp: pacedErpClient(
            tracingErpClient(
                new ErpHttpClient({
                    baseUrl: parts.erp.url,
                    getToken: parts.erp.getToken,
                    timeoutMs: parts.erp.timeoutMs,
                    classifier: config.classifier,
                }),
                tracer,
                otelMeter,
            ),
            new CallPacer(fleet),
            { breaker, refusedPeriods: new RefusedPeriods() },
        ),
        crm: tracedCrm,
        notifier: tracingNotifier(
            new GraphNotifier({
                baseUrl: parts.graph.url,
                sharedMailbox: parts.graph.sharedMailbox,
                getToken: parts.graph.getToken,
                getChannelToken: parts.graph.getChannelToken,
            }),
            tracer,
        ),
        notifications: {
            notices,
            alerts,
            owners: config.owners,
            templates: config.noticeTemplates,
            ...(parts.settings.CONSOLE_BASE_URL ? { consoleBaseUrl: parts.settings.CONSOLE_BASE_URL } : {}),
        },
        gates,
        budget,
        handovers,
        // "Not frozen, not down" remembered for 2 s: three condition reads per posting otherwise (see the module).
        conditions: cachingAbsentConditions(conditions, systemClock, 2_000),
        // Counted in Table Storage (readable over HTTP) and emitted as OpenTelemetry metrics for the Azure portal.
        meter: emittingCallMeter(meter, new OtelMetricsSink(otelMeter)),
        breaker,
        retryPolicy: config.retryPolicy,
        random: Math.random,
        entityMap: config.entityMap,
        erpMap: config.erpMap,
        clock: systemClock,
        reconciliation: {
            reporting: new ErpReportingClient({
                baseUrl: parts.erp.url,
                getToken: parts.erp.getToken,
                timeoutMs: parts.erp.timeoutMs,
            }),
            reader: crm,
            rule: loadConfigFile(
                resolve(parts.settings.RECOGNITION_RULE_PATH ?? 'config/recognition-rule.v1.json'),
                recognitionRuleSchema,
            ),
            reports: openedOnFirstUse(async () => {
                const container = parts.settings.RECONCILIATION_CONTAINER ?? 'reconciliations';
                return new ReportArchive(await BlobExportStore.create(blobsBesideTables(tables), container));
            }),
            ...channelOf(parts.settings.RECONCILIATION_CHANNEL),
        },
        backup: {
            reader: crm,
            files: openedOnFirstUse(() => BlobExportStore.create(parts.backup.blobs, parts.backup.container)),
            options: parts.backup.options,
        },
        subscriptions: new Subscriptions(subscriptionStore, {
            allowLoopbackHttp: parts.allowLoopbackCallbacks ?? false,
        }),
        close: () => fleet.stop(),
        sweep: { reader: crm, runs: sweepRuns, options: parts.sweep },
    };
}

/** The Blob service of the state's storage account (Azurite's connection string names both endpoints). */
function blobsBesideTables(tables: TableConnection): BlobConnection {
    if ('connectionString' in tables) return { connectionString: tables.connectionString };
    return { endpoint: tables.endpoint.replace('.table.', '.blob.'), credential: tables.credential };
}

/** `<teamId>/<channelId>` (validated by the settings schema) as the channel reconciliation posts to. */
function channelOf(setting: string | undefined): { channel?: { teamId: string; channelId: string } } {
    const [teamId, channelId] = setting?.split('/') ?? [];
    return teamId && channelId ? { channel: { teamId, channelId } } : {};
}

/** Opens on first call and keeps it; a failed open is tried again on the next call (Blob Storage back up). */
function openedOnFirstUse<T>(open: () => Promise<T>): () => Promise<T> {
    let opened: Promise<T> | undefined;
    return () => {
        opened ??= open().catch((e: unknown) => {
            opened = undefined;
            throw e;
        });
        return opened;
    };
}
