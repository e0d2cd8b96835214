import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { OperatorNeed } from './auth/operatorAccess';
import { type OperatorHandler, requireOperator } from './auth/requireOperator';
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
import { createRetentionHandler } from './handlers/retention';
import { createReviewActionHandler, createReviewListHandler } from './handlers/review';
import { createStatsHandler } from './handlers/stats';
import { createStuckSweepHandler } from './handlers/stuckSweep';
import { createSubscribeHandler, createUnsubscribeHandler } from './handlers/subscriptions';
import { createSummaryHandler, createSummaryTimerHandler } from './handlers/summary';
import { createSweepListHandler, createSweepRunHandler, createSweepTimerHandler } from './handlers/sweeps';
import { createTeamsTestCardHandler } from './handlers/teamsTestCard';
import { createTransactionsHandler } from './handlers/transactions';
import type { ServicesProvider } from './services';

export interface HttpRegistration {
    kind: 'http';
    name: string;
    route: string;
    methods: HttpMethod[];
    authLevel: 'anonymous' | 'function';
    /**
     * Who may call (docs/access.md): `public` (health); `webhook` (Dataverse: the function's own key or the header
     * secret); `read` / `act` (operator APIs: an Entra ID token with Console.Read / Console.Act, no key opens them);
     * `console` (the page and its API, which checks the role itself and hands on to the operator APIs).
     */
    access: 'public' | 'webhook' | 'console' | OperatorNeed;
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
        | 'STUCK_SWEEP_SCHEDULE'
        | 'RETENTION_SCHEDULE'
        | 'BACKUP_SCHEDULE'
        | 'NOTIFY_SCHEDULE'
        | 'SUMMARY_SCHEDULE'
        | 'RECONCILIATION_SCHEDULE'
        | 'SWEEP_SCHEDULE';
    handler: (timer: unknown, context: InvocationContext) => Promise<void>;
}

export type Registration = HttpRegistration | SessionQueueRegistration | TimerRegistration;

/**
 * The one list of functions. Azure registers it through `app` (functions/index.ts); the local host serves the very
 * same handlers (local/localHost.ts), so what runs locally is what runs in Azure.
 */
export function buildRegistrations(services: ServicesProvider, intakeAuth: 'functionKey' | 'header'): Registration[] {
    // An operator API: anonymous at the host (a host or function key must not open it), guarded by the app role.
    const operator = (
        needs: OperatorNeed,
        r: Pick<HttpRegistration, 'name' | 'route' | 'methods'> & { handler: OperatorHandler },
    ): HttpRegistration => ({
        kind: 'http',
        ...r,
        authLevel: 'anonymous',
        access: needs,
        handler: requireOperator(services, needs, r.handler),
    });
    const registrations: Registration[] = [
        {
            kind: 'http',
            name: 'health',
            route: 'health',
            methods: ['GET'],
            authLevel: 'anonymous',
            access: 'public',
            handler: createHealthHandler(services),
        },
        {
            kind: 'http',
            name: 'dataverse-events',
            route: 'dataverse/events',
            methods: ['POST'],
            // Dataverse is given this function's own key (not a host key), or a header secret the handler checks itself,
            // in which case the host must let the request through.
            authLevel: intakeAuth === 'header' ? 'anonymous' : 'function',
            access: 'webhook',
            handler: createDataverseEventsHandler(services),
        },
        operator('act', {
            name: 'flow-events',
            route: 'flow/events',
            methods: ['POST'],
            handler: createFlowEventsHandler(services),
        }),
        operator('read', {
            name: 'subscriptions',
            route: 'subscriptions',
            methods: ['POST'],
            handler: createSubscribeHandler(services),
        }),
        operator('read', {
            name: 'subscription-delete',
            route: 'subscriptions/{subscriptionId}',
            methods: ['DELETE'],
            handler: createUnsubscribeHandler(services),
        }),
        operator('read', {
            name: 'transactions',
            route: 'transactions',
            methods: ['GET'],
            handler: createTransactionsHandler(services),
        }),
        operator('read', {
            name: 'review-list',
            route: 'review',
            methods: ['GET'],
            handler: createReviewListHandler(services),
        }),
        operator('act', {
            name: 'review-action',
            route: 'review/{transactionId}/{action}',
            methods: ['POST'],
            handler: createReviewActionHandler(services),
        }),
        operator('read', {
            name: 'conditions',
            route: 'conditions',
            methods: ['GET'],
            handler: createConditionsHandler(services),
        }),
        operator('act', {
            name: 'conditions-reprocess',
            route: 'conditions/reprocess',
            methods: ['POST'],
            handler: createReprocessHandler(services),
        }),
        operator('read', { name: 'meter', route: 'meter', methods: ['GET'], handler: createMeterHandler(services) }),
        operator('read', { name: 'stats', route: 'stats', methods: ['GET'], handler: createStatsHandler(services) }),
        {
            kind: 'timer',
            name: 'probe-conditions',
            scheduleSetting: 'PROBE_SCHEDULE',
            handler: createProbeHandler(services),
        },
        {
            kind: 'timer',
            name: 'sweep-stuck',
            scheduleSetting: 'STUCK_SWEEP_SCHEDULE',
            handler: createStuckSweepHandler(services),
        },
        {
            kind: 'timer',
            name: 'purge-retention',
            scheduleSetting: 'RETENTION_SCHEDULE',
            handler: createRetentionHandler(services),
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
        operator('read', {
            name: 'notices',
            route: 'notices',
            methods: ['GET'],
            handler: createNoticesHandler(services),
        }),
        operator('read', { name: 'alerts', route: 'alerts', methods: ['GET'], handler: createAlertsHandler(services) }),
        operator('act', {
            name: 'alerts-acknowledge',
            route: 'alerts/{id}/acknowledge',
            methods: ['POST'],
            handler: createAcknowledgeHandler(services),
        }),
        operator('read', {
            name: 'summary',
            route: 'summary',
            methods: ['GET'],
            handler: createSummaryHandler(services),
        }),
        operator('act', {
            name: 'teams-test-card',
            route: 'teams/test-card',
            methods: ['POST'],
            handler: (request, context) => createTeamsTestCardHandler(services)(request, context),
        }),
        operator('read', {
            name: 'reconciliations-list',
            route: 'reconciliations',
            methods: ['GET'],
            handler: createReconciliationListHandler(services),
        }),
        operator('read', {
            name: 'reconciliations-get',
            route: 'reconciliations/{period}',
            methods: ['GET'],
            handler: createReconciliationGetHandler(services),
        }),
        operator('act', {
            name: 'reconciliations-run',
            route: 'reconciliations/{period}',
            methods: ['POST'],
            handler: createReconciliationRunHandler(services),
        }),
        operator('act', {
            name: 'reconciliations-repush',
            route: 'reconciliations/repush/{sourceRecordId}',
            methods: ['POST'],
            handler: createRepushHandler(services),
        }),
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
            kind: 'timer',
            name: 'sweep-missed-events',
            scheduleSetting: 'SWEEP_SCHEDULE',
            handler: createSweepTimerHandler(services),
        },
        operator('act', {
            name: 'sweeps-run',
            route: 'sweeps',
            methods: ['POST'],
            handler: createSweepRunHandler(services),
        }),
        operator('read', {
            name: 'sweeps-list',
            route: 'sweeps',
            methods: ['GET'],
            handler: createSweepListHandler(services),
        }),
        operator('act', {
            name: 'backups-run',
            route: 'backups',
            methods: ['POST'],
            handler: createBackupRunHandler(services),
        }),
        operator('read', {
            name: 'backups-list',
            route: 'backups',
            methods: ['GET'],
            handler: createBackupListHandler(services),
        }),
        operator('read', {
            name: 'backups-get',
            route: 'backups/{backupId}',
            methods: ['GET'],
            handler: createBackupGetHandler(services),
        }),
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
 * handlers check the app roles (Console.Read, Console.Act); its API hands requests to the operator APIs above, which
 * check them again.
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
            access: 'console',
            handler: createConsolePageHandler(services),
        },
        {
            kind: 'http',
            name: 'console-assets',
            route: 'console/assets/{file}',
            methods: ['GET'],
            authLevel: 'anonymous',
            access: 'console',
            handler: createConsolePageHandler(services),
        },
        {
            kind: 'http',
            name: 'console-api',
            route: 'console/api/{*path}',
            methods: ['GET', 'POST'],
            authLevel: 'anonymous',
            access: 'console',
            handler: createConsoleApiHandler(services, http),
        },
    ];
}
