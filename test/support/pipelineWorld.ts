import { ErpBooks, type Resource } from '../../sandbox/erp/erpBooks';
import { MemoryCallMeter } from '../../src/adapters/memory/memoryCallMeter';
import { MemoryConditionStore } from '../../src/adapters/memory/memoryConditionStore';
import { MemoryHandoverStore } from '../../src/adapters/memory/memoryHandoverStore';
import { MemoryMappingLookup } from '../../src/adapters/memory/memoryMappingLookup';
import { MemorySessionGateStore } from '../../src/adapters/memory/memorySessionGateStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { loadConfigFile } from '../../src/config/configFile';
import { CircuitBreaker } from '../../src/core/circuitBreaker';
import { createErpFailureClassifier, erpFailureRulesSchema } from '../../src/core/erpFailureClassifier';
import { workBudget } from '../../src/core/invocation';
import { probeConditions } from '../../src/core/probeConditions';
import { RelatedRecords } from '../../src/core/relatedRecords';
import type { RetryPolicy } from '../../src/core/retryPolicy';
import { backlogEntry } from '../../src/core/sessionBacklog';
import { parseSessionMessage } from '../../src/core/sessionMessage';
import { handleSessionMessage, type SessionDeps } from '../../src/core/sessionProcessor';
import type { NormalizedAttributes } from '../../src/dataverse/normalizedEvent';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { erpMapSchema } from '../../src/mapping/erpMapSchema';
import type { CrmClient } from '../../src/ports/crmClient';
import { CrmRequestError, CrmUnavailableError } from '../../src/ports/crmErrors';
import type { ErpClient, ErpPosting, ErpPostOutcome, ErpRequest, ErpTarget } from '../../src/ports/erpClient';
import { silentLogger } from '../../src/ports/logger';
import type { MappingLookup } from '../../src/ports/mappingLookup';
import type { OutgoingMessage } from '../../src/ports/sessionQueue';

const classifier = createErpFailureClassifier(
    loadConfigFile('config/erp-failure-rules.v1.json', erpFailureRulesSchema),
);
const erpMap = loadConfigFile('config/erp-map.v1.json', erpMapSchema);
const entityMap = loadConfigFile('config/entity-map.v1.json', entityMapSchema);

/** The production budget's shape: 15 s ERP and Dataverse timeouts, a 5 min lock renewal. */
export const testBudget = workBudget({
    functionTimeoutMs: 300_000,
    maxAutoLockRenewalMs: 300_000,
    erpTimeoutMs: 15_000,
    dataverseTimeoutMs: 15_000,
});

/** The sandbox ERP's real books behind an in-process client, with transient failures injected on demand. */
export class InProcessErp implements ErpClient {
    readonly books = new ErpBooks();
    calls = 0;
    /** The ERP's profile: false = it keeps no idempotency keys, so a write sent twice posts twice. */
    idempotencyKeys = true;
    /** Decides per call whether it fails transiently (a 503). */
    failNext: () => boolean = () => false;
    /** Look-ups before a re-push that fail (the ERP unreachable for reads too). */
    failLookups = 0;
    /** Posts answered 429 with Retry-After: 1 (a rate limit, not an outage). */
    rateLimited = 0;
    down = false;
    /**
     * Decides per call whether the caller gets no answer (a 504 from the gateway, as after a timeout) and whether the
     * ERP had applied the post all the same: the case a look-up before a re-push exists for.
     */
    noAnswer: () => { applied: boolean } | undefined = () => undefined;

    async post(request: ErpRequest): Promise<ErpPostOutcome> {
        const lost = this.noAnswer();
        if (lost) {
            if (lost.applied) await this.#apply(request);
            else this.calls++;
            return {
                kind: 'failed',
                status: 504,
                failure: classifier({ status: 504, body: { code: 'GATEWAY_TIMEOUT', message: 'no answer' } }),
            };
        }
        return this.#apply(request);
    }

    async #apply(request: ErpRequest): Promise<ErpPostOutcome> {
        this.calls++;
        if (this.rateLimited-- > 0) {
            return {
                kind: 'failed',
                status: 429,
                failure: classifier({
                    status: 429,
                    body: { code: 'RATE_LIMITED', message: 'slow down' },
                    retryAfterMs: 1000,
                }),
            };
        }
        if (this.down || this.failNext())
            return {
                kind: 'failed',
                status: 503,
                failure: classifier({ status: 503, body: { code: 'UNAVAILABLE', message: 'down' } }),
            };
        const answer = this.books.apply(
            request.target.resource as Resource,
            request.target.reference,
            request.idempotencyKey,
            request.body as Record<string, unknown>,
            'now',
            this.idempotencyKeys ? 'honoured' : 'ignored',
        );
        if (answer.status < 300)
            return { kind: 'posted', postingId: String(answer.body.postingId), replayed: answer.replayed };
        return {
            kind: 'failed',
            status: answer.status,
            failure: classifier({ status: answer.status, body: answer.body }),
        };
    }

    /** Look-ups before a re-push (also counted in `calls`). */
    lookups = 0;

    async findPostings(target: ErpTarget): Promise<ErpPosting[]> {
        this.calls++;
        this.lookups++;
        if (this.failLookups-- > 0) throw new Error('ERP unreachable');
        return this.books.findByReference(target.resource as Resource, target.reference).map((p) => ({
            postingId: p.postingId,
            type: p.type,
            reference: p.reference,
            integrationReference: p.integrationReference,
            ...(this.idempotencyKeys && p.idempotencyKey !== undefined ? { idempotencyKey: p.idempotencyKey } : {}),
            postedAt: p.receivedAt,
        }));
    }

    async periodStatus(period: string) {
        this.calls++;
        if (this.down) throw new Error('ERP down');
        return this.books.periodStatus(period);
    }
}

interface Queued {
    seq: number;
    message: OutgoingMessage;
    visibleAt: number;
}

/**
 * A deterministic stand-in for the session queue and the Functions host: per-session FIFO, scheduled messages,
 * one handler at a time per session, virtual time. `crashBeforeSettle` replays a message after it was handled,
 * as Service Bus does when the process dies before completing it.
 */
export class PipelineWorld {
    nowMs = Date.parse('2026-11-10T09:00:00Z');
    readonly erp = new InProcessErp();
    readonly store = new MemoryTransactionStore();
    readonly gates = new MemorySessionGateStore();
    readonly handovers = new MemoryHandoverStore();
    readonly conditions = new MemoryConditionStore();
    readonly meter = new MemoryCallMeter();
    readonly lookup = new MemoryMappingLookup();
    readonly writeBacks: string[] = [];
    /** Every write-back Dataverse took, in order, with its columns: what a salesperson sees in the row. */
    readonly crmWrites: Array<{ recordId: string; fields: Record<string, string | number | null> }> = [];
    /** Dataverse answers every call 503 (an outage). */
    crmDown = false;
    /** Rows the CRM answers a read with, by `<table>/<id>` (none by default). */
    readonly crmRows = new Map<string, NormalizedAttributes>();
    /** Dataverse refuses write-backs of these CRM records for good (the row was deleted). */
    readonly crmGone = new Set<string>();
    readonly queue: Queued[] = [];
    readonly deps: SessionDeps;
    #seq = 0;

    constructor(policy: Partial<RetryPolicy> = {}, random: () => number = () => 0.5) {
        const retryPolicy: RetryPolicy = {
            version: 'test',
            default: { baseMs: 1000, capMs: 60_000, maxAttempts: 8 },
            byType: {},
            dailyRetryBudget: 10_000,
            breaker: { consecutiveFailures: 1000, openMs: 30_000 },
            probeIntervalMs: 60_000,
            reprocessBatchSize: 3,
            activePlanGraceMs: 3_600_000,
            erpRateLimitPerSec: 0,
            erpKeyReplayMs: 0,
            stuckAfterMs: 3_600_000,
            ...policy,
        };
        const crm: CrmClient = {
            retrieve: async (entity, id) => {
                if (this.crmDown) throw new CrmUnavailableError('Dataverse answered 503');
                return structuredClone(this.crmRows.get(`${entity}/${id}`));
            },
            writeBack: async (_e, id, fields) => {
                if (this.crmDown) throw new CrmUnavailableError('Dataverse answered 503');
                if (this.crmGone.has(id))
                    throw new CrmRequestError(`re_reservation With Id = ${id} Does Not Exist`, 404, '0x80040217');
                this.writeBacks.push(id);
                this.crmWrites.push({ recordId: id, fields });
            },
        };
        this.deps = {
            store: this.store,
            gates: this.gates,
            handovers: this.handovers,
            conditions: this.conditions,
            meter: this.meter,
            lookup: this.lookup,
            erp: this.erp,
            crm,
            erpMap,
            entityMap,
            related: new RelatedRecords(entityMap, this.lookup, crm),
            breaker: new CircuitBreaker(retryPolicy.breaker),
            retryPolicy,
            budget: testBudget,
            random,
            clock: { now: () => new Date(this.nowMs) },
            logger: silentLogger,
            queue: { send: async (messages) => this.#enqueue(messages) },
        };
    }

    readonly #seenIds = new Set<string>();

    async #enqueue(messages: OutgoingMessage[]): Promise<void> {
        for (const message of messages) {
            // Duplicate detection, as Service Bus does: a repeated message id is dropped.
            if (this.#seenIds.has(message.messageId)) continue;
            this.#seenIds.add(message.messageId);
            if (message.messageId.length > 128)
                throw new Error(`message id longer than Service Bus allows: ${message.messageId}`);
            this.queue.push({
                seq: ++this.#seq,
                message,
                visibleAt: message.scheduledEnqueueTime?.getTime() ?? this.nowMs,
            });
        }
    }

    send(envelope: TransactionEnvelope): Promise<void> {
        return this.#enqueue([{ messageId: envelope.transactionId, sessionId: envelope.sessionId, body: envelope }]);
    }

    /** What intake does before it enqueues: record the transaction and admit it to its unit's backlog. */
    async accept(envelope: TransactionEnvelope): Promise<void> {
        await this.store.recordAccepted(envelope, new Date(this.nowMs).toISOString());
        await this.gates.admit(envelope.sessionId, backlogEntry(envelope));
    }

    /** Delivers messages until none is visible; `pick` chooses the next session (interleavings), `crash` a replay. */
    async run(
        options: {
            pick?: (sessions: string[]) => string;
            crashBeforeSettle?: () => boolean;
            afterEach?: () => void;
        } = {},
    ): Promise<void> {
        for (;;) {
            const visible = this.queue.filter((q) => q.visibleAt <= this.nowMs);
            if (visible.length === 0) return;
            const sessions = [...new Set(visible.map((q) => q.message.sessionId))].sort();
            const session = options.pick ? options.pick(sessions) : (sessions[0] ?? '');
            // Session order: the earliest available message of that session (scheduled ones queue when they appear).
            const head = this.queue
                .filter((q) => q.message.sessionId === session && q.visibleAt <= this.nowMs)
                .sort((a, b) => a.visibleAt - b.visibleAt || a.seq - b.seq)[0];
            if (!head) return;
            const parsed = parseSessionMessage(structuredClone(head.message.body));
            if (!parsed.ok) throw new Error(parsed.reason);
            await handleSessionMessage(session, parsed.message, this.deps);
            options.afterEach?.();
            if (!options.crashBeforeSettle?.()) this.queue.splice(this.queue.indexOf(head), 1);
        }
    }

    /** Moves virtual time to the next scheduled message (a retry) and runs; false when nothing is scheduled. */
    async advance(options: Parameters<PipelineWorld['run']>[0] = {}): Promise<boolean> {
        const next = this.queue
            .map((q) => q.visibleAt)
            .filter((t) => t > this.nowMs)
            .sort((a, b) => a - b)[0];
        if (next === undefined) return false;
        this.nowMs = next;
        await this.run(options);
        return true;
    }

    async probe(): Promise<void> {
        this.nowMs += this.deps.retryPolicy.probeIntervalMs;
        await probeConditions({
            ...this.deps,
            probeIntervalMs: this.deps.retryPolicy.probeIntervalMs,
            activePlanGraceMs: this.deps.retryPolicy.activePlanGraceMs,
        });
    }

    /** Runs everything to quiescence: deliveries, scheduled retries and probes. */
    async settle(options: Parameters<PipelineWorld['run']>[0] = {}, maxRounds = 500): Promise<void> {
        await this.run(options);
        for (let i = 0; i < maxRounds; i++) {
            if (await this.advance(options)) continue;
            if ((await this.conditions.listActive()).length === 0) return;
            await this.probe();
            await this.run(options);
        }
    }
}

let counter = 0;
/** A unit's transaction in the shape intake produces; `n` orders the unit's transactions as they happened in the CRM. */
export function unitTransaction(
    unit: string,
    kind: 'reservation' | 'instalment' | 'receipt',
    n: number,
    options: { date?: string } = {},
): TransactionEnvelope {
    counter++;
    const date = options.date ?? '2026-11-10T08:00:00.000Z';
    const reservationNumber = `RSV-${unit}`;
    const base = {
        transactionId: `${kind}-${unit}-${n}-${counter}`,
        action: 'upsert' as const,
        sessionId: `unit-${unit}`,
        correlationId: `corr-${counter}`,
        entityMapVersion: '1.0.0',
        acceptedAt: date,
    };
    const source = (entity: string) => ({
        entity,
        recordId: `${kind}-${unit}-${n}`,
        message: 'Create',
        changedAt: date,
    });
    if (kind === 'reservation') {
        return {
            ...base,
            type: 'reservation',
            source: source('re_reservation'),
            data: {
                reservationNumber,
                buyerId: 'buyer-1',
                unitCode: `MARINA-T1-${unit}`,
                buildingId: 'b1',
                value: 1_000_000,
                bookingAmount: 100_000,
                currency: 'AED',
                reservedOn: date,
                status: 'active',
            },
        };
    }
    if (kind === 'instalment') {
        return {
            ...base,
            type: 'instalment',
            source: source('re_installment'),
            data: {
                instalmentNumber: `${reservationNumber}-${n}`,
                reservationNumber,
                sequence: n,
                dueDate: date,
                amount: 10_000,
            },
        };
    }
    return {
        ...base,
        type: 'receipt',
        source: source('re_receipt'),
        data: { receiptNumber: `RCT-${unit}-${n}`, reservationNumber, amount: 5_000, receivedOn: date, method: 'card' },
    };
}

/** Seeds what every scenario needs: the buyer in the ERP and the building's look-ups. */
export async function seedWorld(world: { erp: InProcessErp; lookup: MappingLookup }): Promise<void> {
    world.erp.books.apply(
        'customers',
        'buyer-1',
        'seed-buyer',
        {
            sourceRecordId: 'buyer-1',
            integrationReference: 'seed-buyer',
            postingDate: '2026-10-01',
            customerRef: 'buyer-1',
        },
        'seed',
    );
    await world.lookup.put('buildingCode', 'b1', 'MARINA-T1');
    await world.lookup.put('buildingCostCentre', 'b1', 'CC-MARINA-T1');
}
