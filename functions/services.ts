import type { BackupOptions } from '../src/backup/runBackup';
import type { Settings } from '../src/config/settings';
import type { ErpBreaker } from '../src/core/circuitBreaker';
import type { WorkBudget } from '../src/core/invocation';
import type { RelatedRecords } from '../src/core/relatedRecords';
import type { RetryPolicy } from '../src/core/retryPolicy';
import type { EntityMap } from '../src/mapping/entityMapSchema';
import type { ErpMap } from '../src/mapping/erpMapSchema';
import type { NoticeTemplates } from '../src/notifications/noticeTemplates';
import type { OwnerRegistry } from '../src/notifications/ownerRegistry';
import type { AlertStore } from '../src/ports/alertStore';
import type { BlobStore } from '../src/ports/blobStore';
import type { CallMeter } from '../src/ports/callMeter';
import type { Clock } from '../src/ports/clock';
import type { ConditionStore } from '../src/ports/conditionStore';
import type { CrmClient, CrmTableReader } from '../src/ports/crmClient';
import type { ErpClient } from '../src/ports/erpClient';
import type { HandoverStore } from '../src/ports/handoverStore';
import type { MappingLookup } from '../src/ports/mappingLookup';
import type { NoticeStore } from '../src/ports/noticeStore';
import type { Notifier } from '../src/ports/notifier';
import type { SessionGateStore } from '../src/ports/sessionGateStore';
import type { SessionQueue } from '../src/ports/sessionQueue';
import type { SweepRunStore } from '../src/ports/sweepRunStore';
import type { TransactionStore } from '../src/ports/transactionStore';
import type { ReconciliationServices } from '../src/reconciliation/runReconciliation';
import type { Subscriptions } from '../src/subscriptions/subscriptions';
import type { SweepOptions } from '../src/sweep/runSweep';

/** Everything a handler needs, built once per worker (Azure) or per local host, and shared by every invocation. */
export interface Services {
    settings: Pick<
        Settings,
        | 'INTAKE_AUTH_MODE'
        | 'WEBHOOK_HEADER_NAME'
        | 'WEBHOOK_HEADER_SECRET'
        | 'WEBHOOK_HEADER_SECRET_NEXT'
        | 'MAX_DELIVERY_COUNT'
        | 'TRANSACTIONS_QUEUE_NAME'
    > &
        // Optional so a composition root that says nothing gets the safe default (easyAuth: roles required).
        Partial<Pick<Settings, 'CONSOLE_AUTH' | 'CONSOLE_SANDBOX_URL' | 'CONSOLE_BASE_URL'>> &
        // Optional: the retention purge falls back to 400 days.
        Partial<Pick<Settings, 'RETENTION_DAYS'>> &
        // Optional: reconciliation falls back to its defaults (container `reconciliations`, rule v1, no channel).
        Partial<Pick<Settings, 'RECONCILIATION_CONTAINER' | 'RECOGNITION_RULE_PATH' | 'RECONCILIATION_CHANNEL'>>;
    queue: Pick<SessionQueue, 'send'>;
    store: TransactionStore;
    lookup: MappingLookup;
    related: RelatedRecords;
    erp: ErpClient;
    crm: CrmClient;
    notifier: Notifier;
    /** Handover notices, grouped alerts and the owner registry (issue 7); see docs/notifications.md. */
    notifications: {
        notices: NoticeStore;
        alerts: AlertStore;
        owners: OwnerRegistry;
        templates: NoticeTemplates;
        /** The console page; alerts link to `<consoleBaseUrl>#alert=<id>` when set. */
        consoleBaseUrl?: string;
    };
    gates: SessionGateStore;
    /** How long a session handler's work and one attempt may take (host.json and the client timeouts). */
    budget: WorkBudget;
    handovers: HandoverStore;
    conditions: ConditionStore;
    meter: CallMeter;
    /** The fleet's breaker (shared in Table Storage): an outage seen by one instance stops them all. */
    breaker: ErpBreaker;
    retryPolicy: RetryPolicy;
    random: () => number;
    entityMap: EntityMap;
    erpMap: ErpMap;
    clock: Clock;
    /**
     * Backup export (issue 8.3): Dataverse read in pages, the private backup container (opened on first use, so
     * Blob Storage being down never stops intake), and the run's options.
     */
    backup: { reader: CrmTableReader; files: () => Promise<BlobStore>; options: BackupOptions };
    /**
     * Reconciliation at close (issue 9): the ERP's reporting reads, Dataverse read in pages, the recognition rule and
     * the report container (opened on first use), and the channel its summary goes to.
     */
    reconciliation: ReconciliationServices;
    /** Webhook-trigger subscriptions of flows (the connector's trigger); the store above notifies them. */
    subscriptions: Subscriptions;
    /**
     * Gives back what this worker holds in state shared with other instances (its share of the ERP's limit), for a
     * host that stops; one that dies without it is covered, the share runs out by itself within seconds.
     */
    close?: () => Promise<void>;
    /** The daily sweep for missed Dataverse events: Dataverse read in pages, where runs are kept, the run's bounds. */
    sweep: { reader: CrmTableReader; runs: SweepRunStore; options: SweepOptions };
}

export type ServicesProvider = () => Promise<Services>;
