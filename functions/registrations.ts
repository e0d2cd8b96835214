import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { createAcknowledgeHandler, createAlertsHandler } from './handlers/alerts';
import {
    createBackupGetHandler,
    createBackupListHandler,
    createBackupRunHandler,
    createBackupTimerHandler,
} from './handlers/backups';
import { createConsoleApiHandler, createConsolePageHandler } from './handlers/console';
import { createDataverseEventsHandler } from './handlers/dataverseEvents';
import { createFlowEventsHandler } from './handlers/flowEvents';
import { createHealthHandler } from './handlers/health';
import { createNoticesHandler, createNotifyTimerHandler } from './handlers/notices';
import {
    createConditionsHandler,
    createMeterHandler,
    createProbeHandler,
    createReprocessHandler,
} from './handlers/operations';
import { createProcessTransactionHandler } from './handlers/processTransaction';
import {
    createReconciliationGetHandler,
    createReconciliationListHandler,
    createReconciliationRunHandler,
    createReconciliationTimerHandler,
    createRepushHandler,
} from './handlers/reconciliation';
import { createReviewActionHandler, createReviewListHandler } from './handlers/review';
import { createStatsHandler } from './handlers/stats';
import { createSubscribeHandler, createUnsubscribeHandler } from './handlers/subscriptions';
import { createSummaryHandler, createSummaryTimerHandler } from './handlers/summary';
import { createTeamsTestCardHandler } from './handlers/teamsTestCard';
import { createTransactionsHandler } from './handlers/transactions';
import type { ServicesProvider } from './services';

export interface HttpRegistration {
    kind: 'http';
    name: string;
    route: string;
    methods: HttpMethod[];
    authLevel: 'anonymous' | 'function';
    handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
}

export interface SessionQueueRegistration {
    kind: 'serviceBusSessionQueue';
    name: string;
    /** App setting holding the queue name (`%TRANSACTIONS_QUEUE_NAME%` in Azure). */
    queueNameSetting: 'TRANSACTIONS_QUEUE_NAME';
    /** App-setting prefix of the identity-based connection. */
    connection: 'ServiceBusConnection';
    handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

export interface TimerRegistration {
    kind: 'timer';
    name: string;
    /** App setting holding the NCRONTAB schedule (`%PROBE_SCHEDULE%` in Azure). */
    scheduleSetting:
        | 'PROBE_SCHEDULE'
        | 'BACKUP_SCHEDULE'
        | 'NOTIFY_SCHEDULE'
        | 'SUMMARY_SCHEDULE'
        | 'RECONCILIATION_SCHEDULE';
    handler: (timer: unknown, context: InvocationContext) => Promise<void>;
}

export type Registration = HttpRegistration | SessionQueueRegistration | TimerRegistration;

/**
 * The one list of functions. Azure registers it through `app` (functions/index.ts); the local host serves the very
 * same handlers (local/localHost.ts), so what runs locally is what runs in Azure.
 */
export function buildRegistrations(services: ServicesProvider, intakeAuth: 'functionKey' | 'header'): Registration[] {
    const registrations: Registration[] = [
        {
            kind: 'http',
            name: 'health',
            route: 'health',
            methods: ['GET'],
            authLevel: 'anonymous',
            handler: createHealthHandler(services),
        },
        {
            kind: 'http',
            name: 'dataverse-events',
            route: 'dataverse/events',
            methods: ['POST'],
            // With a header secret the handler authenticates the caller itself, so the host must let the request through.
            authLevel: intakeAuth === 'header' ? 'anonymous' : 'function',
            handler: createDataverseEventsHandler(services),
        },
        {
            kind: 'http',
            name: 'flow-events',
            route: 'flow/events',
            methods: ['POST'],
            authLevel: 'function',
            handler: createFlowEventsHandler(services),
        },
        {
            kind: 'http',
            name: 'subscriptions',
            route: 'subscriptions',
            methods: ['POST'],
            authLevel: 'function',
            handler: createSubscribeHandler(services),
        },
        {
            kind: 'http',
            name: 'subscription-delete',
            route: 'subscriptions/{subscriptionId}',
            methods: ['DELETE'],
            authLevel: 'function',
            handler: createUnsubscribeHandler(services),
        },
        {
            kind: 'http',
            name: 'transactions',
            route: 'transactions',
            methods: ['GET'],
            authLevel: 'function',
            handler: createTransactionsHandler(services),
        },
        {
            kind: 'http',
            name: 'review-list',
            route: 'review',
            methods: ['GET'],
            authLevel: 'function',
            handler: createReviewListHandler(services),
        },
        {
            kind: 'http',
            name: 'review-action',
            route: 'review/{transactionId}/{action}',
            methods: ['POST'],
            authLevel: 'function',
            handler: createReviewActionHandler(services),
        },
        {
            kind: 'http',
            name: 'conditions',
            route: 'conditions',
            methods: ['GET'],
            authLevel: 'function',
            handler: createConditionsHandler(services),
        },
        {
            kind: 'http',
            name: 'conditions-reprocess',
            route: 'conditions/reprocess',
            methods: ['POST'],
            authLevel: 'function',
            handler: createReprocessHandler(services),
        },
        {
            kind: 'http',
            name: 'meter',
            route: 'meter',
            methods: ['GET'],
            authLevel: 'function',
            handler: createMeterHandler(services),
        },
        {
            kind: 'http',
            name: 'stats',
            route: 'stats',
            methods: ['GET'],
            authLevel: 'function',
            handler: createStatsHandler(services),
        },
        {
            kind: 'timer',
            name: 'probe-conditions',
            scheduleSetting: 'PROBE_SCHEDULE',
            handler: createProbeHandler(services),
        },
        {
            kind: 'timer',
            name: 'dispatch-notifications',
            scheduleSetting: 'NOTIFY_SCHEDULE',
            handler: createNotifyTimerHandler(services),
        },
        {
            kind: 'timer',
            name: 'daily-summary',
            scheduleSetting: 'SUMMARY_SCHEDULE',
            handler: createSummaryTimerHandler(services),
        },
        {
            kind: 'http',
            name: 'notices',
            route: 'notices',
            methods: ['GET'],
            authLevel: 'function',
            handler: createNoticesHandler(services),
        },
        {
            kind: 'http',
            name: 'alerts',
            route: 'alerts',
            methods: ['GET'],
            authLevel: 'function',
            handler: createAlertsHandler(services),
        },
        {
            kind: 'http',
            name: 'alerts-acknowledge',
            route: 'alerts/{id}/acknowledge',
            methods: ['POST'],
            authLevel: 'function',
            handler: createAcknowledgeHandler(services),
        },
        {
            kind: 'http',
            name: 'summary',
            route: 'summary',
            methods: ['GET'],
            authLevel: 'function',
            handler: createSummaryHandler(services),
        },
        {
            kind: 'http',
            name: 'teams-test-card',
            route: 'teams/test-card',
            methods: ['POST'],
            authLevel: 'function',
            handler: createTeamsTestCardHandler(services),
        },
        {
            kind: 'http',
            name: 'reconciliations-list',
            route: 'reconciliations',
            methods: ['GET'],
            authLevel: 'function',
            handler: createReconciliationListHandler(services),
        },
        {
            kind: 'http',
            name: 'reconciliations-get',
            route: 'reconciliations/{period}',
            methods: ['GET'],
            authLevel: 'function',
            handler: createReconciliationGetHandler(services),
        },
        {
            kind: 'http',
            name: 'reconciliations-run',
            route: 'reconciliations/{period}',
            methods: ['POST'],
            authLevel: 'function',
            handler: createReconciliationRunHandler(services),
        },
        {
            kind: 'http',
            name: 'reconciliations-repush',
            route: 'reconciliations/repush/{sourceRecordId}',
            methods: ['POST'],
            authLevel: 'function',
            handler: createRepushHandler(services),
        },
        {
            kind: 'timer',
            name: 'reconcile-close',
            scheduleSetting: 'RECONCILIATION_SCHEDULE',
            handler: createReconciliationTimerHandler(services),
        },
        {
            kind: 'timer',
            name: 'backup-export',
            scheduleSetting: 'BACKUP_SCHEDULE',
            handler: createBackupTimerHandler(services),
        },
        {
            kind: 'http',
            name: 'backups-run',
            route: 'backups',
            methods: ['POST'],
            authLevel: 'function',
            handler: createBackupRunHandler(services),
        },
        {
            kind: 'http',
            name: 'backups-list',
            route: 'backups',
            methods: ['GET'],
            authLevel: 'function',
            handler: createBackupListHandler(services),
        },
        {
            kind: 'http',
            name: 'backups-get',
            route: 'backups/{backupId}',
            methods: ['GET'],
            authLevel: 'function',
            handler: createBackupGetHandler(services),
        },
        {
            kind: 'serviceBusSessionQueue',
            name: 'process-transaction',
            queueNameSetting: 'TRANSACTIONS_QUEUE_NAME',
            connection: 'ServiceBusConnection',
            handler: createProcessTransactionHandler(services),
        },
    ];
    return [...registrations, ...consoleRegistrations(services, registrations)];
}

/**
 * The ops console: anonymous at the host because App Service Authentication (Entra ID) signs the user in and the
 * handlers check the app roles (Console.Read, Console.Act); its API hands requests to the registrations above.
 */
function consoleRegistrations(services: ServicesProvider, registrations: Registration[]): HttpRegistration[] {
    const http = () => registrations.filter((r): r is HttpRegistration => r.kind === 'http');
    return [
        {
            kind: 'http',
            name: 'console',
            route: 'console',
            methods: ['GET'],
            authLevel: 'anonymous',
            handler: createConsolePageHandler(services),
        },
        {
            kind: 'http',
            name: 'console-assets',
            route: 'console/assets/{file}',
            methods: ['GET'],
            authLevel: 'anonymous',
            handler: createConsolePageHandler(services),
        },
        {
            kind: 'http',
            name: 'console-api',
            route: 'console/api/{*path}',
            methods: ['GET', 'POST'],
            authLevel: 'anonymous',
            handler: createConsoleApiHandler(services, http),
        },
    ];
}
