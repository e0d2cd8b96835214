import { loadConfigFiles } from '../../functions/configFiles';
import type { Services } from '../../functions/services';
import { MemoryAlertStore } from '../../src/adapters/memory/memoryAlertStore';
import { MemoryBlobStore } from '../../src/adapters/memory/memoryBlobStore';
import { MemoryCallMeter } from '../../src/adapters/memory/memoryCallMeter';
import { MemoryConditionStore } from '../../src/adapters/memory/memoryConditionStore';
import { MemoryHandoverStore } from '../../src/adapters/memory/memoryHandoverStore';
import { MemoryMappingLookup } from '../../src/adapters/memory/memoryMappingLookup';
import { MemoryNoticeStore } from '../../src/adapters/memory/memoryNoticeStore';
import { MemorySessionGateStore } from '../../src/adapters/memory/memorySessionGateStore';
import { MemorySubscriptionStore } from '../../src/adapters/memory/memorySubscriptionStore';
import { MemorySweepRunStore } from '../../src/adapters/memory/memorySweepRunStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { loadConfigFile } from '../../src/config/configFile';
import { CircuitBreaker } from '../../src/core/circuitBreaker';
import { RelatedRecords } from '../../src/core/relatedRecords';
import type { OutgoingMessage } from '../../src/ports/sessionQueue';
import { recognitionRuleSchema } from '../../src/reconciliation/recognitionRule';
import { ReportArchive } from '../../src/reconciliation/reportArchive';
import { Subscriptions } from '../../src/subscriptions/subscriptions';
import { testBudget } from './pipelineWorld';

export const testConfig = loadConfigFiles({
    ENTITY_MAP_PATH: 'config/entity-map.v1.json',
    ERP_MAP_PATH: 'config/erp-map.v1.json',
    ERP_FAILURE_RULES_PATH: 'config/erp-failure-rules.v1.json',
    RETRY_POLICY_PATH: 'config/retry-policy.v1.json',
});

/** Services over in-memory twins, recording what was sent to the queue, for handler tests. */
export function memoryServices(overrides: Partial<Services> = {}): Services & { sent: OutgoingMessage[] } {
    const sent: OutgoingMessage[] = [];
    const lookup = new MemoryMappingLookup();
    const backupFiles = new MemoryBlobStore();
    const reconciliationReports = new ReportArchive(new MemoryBlobStore('reconciliations'));
    const crm = { retrieve: async () => undefined, writeBack: async () => {} };
    return {
        sent,
        settings: {
            INTAKE_AUTH_MODE: 'functionKey',
            WEBHOOK_HEADER_NAME: 'x-webhook-key',
            MAX_DELIVERY_COUNT: 10,
            TRANSACTIONS_QUEUE_NAME: 'q',
        },
        queue: { send: async (m) => void sent.push(...m) },
        store: new MemoryTransactionStore(),
        lookup,
        related: new RelatedRecords(testConfig.entityMap, lookup, crm),
        erp: {
            post: async () => ({ kind: 'posted', postingId: 'ERP-1', replayed: false }),
            findPostings: async () => [],
            periodStatus: async () => 'open' as const,
        },
        crm,
        notifier: { sendMail: async () => {}, postToChannel: async () => ({ messageId: 'm' }) },
        gates: new MemorySessionGateStore(),
        handovers: new MemoryHandoverStore(),
        notifications: {
            notices: new MemoryNoticeStore(),
            alerts: new MemoryAlertStore(),
            owners: testConfig.owners,
            templates: testConfig.noticeTemplates,
        },
        conditions: new MemoryConditionStore(),
        meter: new MemoryCallMeter(),
        breaker: new CircuitBreaker(testConfig.retryPolicy.breaker),
        retryPolicy: testConfig.retryPolicy,
        budget: testBudget,
        random: () => 0.5,
        entityMap: testConfig.entityMap,
        erpMap: testConfig.erpMap,
        clock: { now: () => new Date('2026-11-10T09:00:00Z') },
        backup: {
            reader: { readPage: async () => ({ rows: [], count: { value: 0, capped: false } }) },
            files: async () => backupFiles,
            options: { pageSize: 100, maxPageAttempts: 2, alertTo: ['integration-team@contoso.example'] },
        },
        subscriptions: new Subscriptions(new MemorySubscriptionStore(), { allowLoopbackHttp: true }),
        sweep: {
            reader: { readPage: async () => ({ rows: [] }) },
            runs: new MemorySweepRunStore(),
            options: { pageSize: 100, maxReads: 50, lookbackMs: 25 * 3_600_000, maxPageAttempts: 1 },
        },
        // An empty CRM and ERP: reconciliation tests override `reconciliation` with their own books.
        reconciliation: {
            reporting: { buildingFigures: async () => [], records: async () => [] },
            reader: { readPage: async () => ({ rows: [] }) },
            rule: loadConfigFile('config/recognition-rule.v1.json', recognitionRuleSchema),
            reports: async () => reconciliationReports,
        },
        ...overrides,
    };
}
