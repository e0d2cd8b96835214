import { AsyncLocalStorage } from 'node:async_hooks';
import { MemoryCallMeter } from '../../src/adapters/memory/memoryCallMeter';
import { MemoryConditionStore } from '../../src/adapters/memory/memoryConditionStore';
import { MemoryHandoverStore } from '../../src/adapters/memory/memoryHandoverStore';
import { MemoryMappingLookup } from '../../src/adapters/memory/memoryMappingLookup';
import { MemorySessionGateStore } from '../../src/adapters/memory/memorySessionGateStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { loadConfigFile } from '../../src/config/configFile';
import { CircuitBreaker } from '../../src/core/circuitBreaker';
import type { Invocation } from '../../src/core/invocation';
import { probeConditions } from '../../src/core/probeConditions';
import { RelatedRecords } from '../../src/core/relatedRecords';
import type { RetryPolicy } from '../../src/core/retryPolicy';
import { actOnReviewItem } from '../../src/core/reviewActions';
import { backlogEntry } from '../../src/core/sessionBacklog';
import { processDelivery } from '../../src/core/sessionDelivery';
import type { SessionDeps } from '../../src/core/sessionDeps';
import { parseSessionMessage } from '../../src/core/sessionMessage';
import { sweepStuckTransactions } from '../../src/core/stuckSweep';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { erpMapSchema } from '../../src/mapping/erpMapSchema';
import type { CrmClient } from '../../src/ports/crmClient';
import type { ErpClient, ErpPostOutcome, ErpRequest } from '../../src/ports/erpClient';
import { silentLogger } from '../../src/ports/logger';
import type { OutgoingMessage } from '../../src/ports/sessionQueue';
import { StoreUnavailableError } from '../../src/ports/storeErrors';
import { InProcessErp, seedWorld, testBudget } from './pipelineWorld';

/** What the chaos may do; each a probability per scheduling point (or per delivery, for crashBeforeSettle). */
export interface Chaos {
    /** A store call fails as Table Storage does when it cannot answer. */
    storeFault: number;
    /** The handler's session lock is lost at this point; the handler runs on without knowing. */
    lockExpiry: number;
    /** The instance dies right after the ERP answered, before it wrote anything. */
    crashAfterErpAnswer: number;
    /** The instance dies after the handler returned, before the message was settled. */
    crashBeforeSettle: number;
    /** ERP answers: a 503 refusal, or no answer at all (applied or not). */
    erpRefusal: number;
    erpNoAnswer: number;
}

export const calm: Chaos = {
    storeFault: 0,
    lockExpiry: 0,
    crashAfterErpAnswer: 0,
    crashBeforeSettle: 0,
    erpRefusal: 0,
    erpNoAnswer: 0,
};

interface QueuedMessage {
    seq: number;
    message: OutgoingMessage;
    visibleAt: number;
    deliveryCount: number;
}

interface Lock {
    holder: number;
    epoch: number;
    expiresAt: number;
}

/** A handler run by one instance on one message; killed tasks never resume. */
interface Task {
    id: number;
    instance: number;
    alive: boolean;
}

const lockDurationMs = 60_000;
const erpMap = loadConfigFile('config/erp-map.v1.json', erpMapSchema);
const entityMap = loadConfigFile('config/entity-map.v1.json', entityMapSchema);

/**
 * Several Function instances over the shared stores, queue and ERP, driven by a seeded scheduler that interleaves
 * their handlers call by call. What it models of Service Bus sessions: one holder per session lock; a lock lost or
 * expired frees the session for another instance while the first handler may still run; an unsettled message comes
 * back with its delivery count raised, and one whose lock ends at the max delivery count goes to the dead-letter
 * queue. The ERP can be one that keeps no idempotency keys: every post it is sent it posts, and `ledger` records
 * every posting received, never deduplicated.
 */
export class FleetWorld {
    nowMs = Date.parse('2026-11-10T09:00:00Z');
    readonly erp = new InProcessErp();
    readonly store = new MemoryTransactionStore();
    readonly gates = new MemorySessionGateStore();
    readonly conditions = new MemoryConditionStore();
    readonly meter = new MemoryCallMeter();
    readonly handovers = new MemoryHandoverStore();
    /** Every posting the ERP received and applied, in arrival order: the transaction id it carried. */
    readonly ledger: string[] = [];
    readonly deadLettered: string[] = [];
    /** What happened, for a failing run's story. */
    readonly trace: string[] = [];
    readonly policy: RetryPolicy;
    chaos: Chaos = calm;
    readonly #queue: QueuedMessage[] = [];
    readonly #seen = new Set<string>();
    readonly #locks = new Map<string, Lock>();
    readonly #als = new AsyncLocalStorage<Task>();
    readonly #waiting: Array<{ task: Task; resume: () => void }> = [];
    readonly #instances: Array<{ deps: SessionDeps; busy: boolean }> = [];
    #seq = 0;
    #tasks = 0;
    #invocations = 0;
    #epochs = 0;

    constructor(
        readonly random: () => number,
        options: { instances: number; idempotencyKeys: boolean; maxDeliveries: number; policy?: Partial<RetryPolicy> },
    ) {
        this.maxDeliveries = options.maxDeliveries;
        this.policy = {
            version: 'fleet',
            default: { baseMs: 1000, capMs: 10_000, maxAttempts: 3 },
            byType: {},
            dailyRetryBudget: 1_000_000,
            breaker: { consecutiveFailures: 1_000, openMs: 30_000 },
            probeIntervalMs: 60_000,
            reprocessBatchSize: 3,
            activePlanGraceMs: 3_600_000,
            erpRateLimitPerSec: 0,
            // An ERP that keeps no keys replays nothing: every repeat is looked up first.
            erpKeyReplayMs: options.idempotencyKeys ? 86_400_000 : 0,
            stuckAfterMs: 3_600_000,
            ...options.policy,
        };
        this.idempotencyKeys = options.idempotencyKeys;
        this.erp.idempotencyKeys = options.idempotencyKeys;
        for (let i = 0; i < options.instances; i++) this.#instances.push({ deps: this.#instanceDeps(), busy: false });
    }

    readonly maxDeliveries: number;
    readonly idempotencyKeys: boolean;

    readonly lookup = new MemoryMappingLookup();

    async seed(): Promise<void> {
        await seedWorld(this);
    }

    /** What intake does: stamp the acceptance, record the transaction, admit it to its unit's backlog, enqueue. */
    async send(original: TransactionEnvelope): Promise<void> {
        this.nowMs += 1;
        const envelope = { ...original, acceptedAt: new Date(this.nowMs).toISOString() };
        await this.store.recordAccepted(envelope, envelope.acceptedAt);
        await this.gates.admit(envelope.sessionId, backlogEntry(envelope));
        await this.#enqueue([{ messageId: envelope.transactionId, sessionId: envelope.sessionId, body: envelope }]);
    }

    /** A point where the scheduler may run another handler first, lose this one's lock, or (`crash`) end it. */
    async #point(kind: 'call' | 'afterErpAnswer' = 'call'): Promise<void> {
        const task = this.#als.getStore();
        if (!task) return;
        await new Promise<void>((resume) => this.#waiting.push({ task, resume }));
        if (kind === 'afterErpAnswer' && this.random() < this.chaos.crashAfterErpAnswer) {
            this.trace.push(`${this.nowMs} task${task.id} crashed after the ERP answered`);
            this.#kill(task);
        }
        if (!task.alive) await new Promise(() => {}); // a dead instance never runs another line
    }

    #kill(task: Task): void {
        task.alive = false;
        const instance = this.#instances[task.instance];
        // The instance is replaced by a fresh one: new caches, new breaker. Its session lock runs out by itself.
        if (instance) {
            instance.deps = this.#instanceDeps();
            instance.busy = false;
        }
    }

    /** Ports shared by every instance, each call a scheduling point; store calls may fail. */
    #shared<T extends object>(target: T, faulty: boolean): T {
        return new Proxy(target, {
            get: (t, name, receiver) => {
                const value = Reflect.get(t, name, receiver);
                if (typeof value !== 'function') return value;
                return async (...args: unknown[]) => {
                    await this.#point();
                    if (faulty && this.random() < this.chaos.storeFault)
                        throw new StoreUnavailableError('Table Storage did not answer (injected)');
                    return value.apply(t, args);
                };
            },
        });
    }

    #instanceDeps(): SessionDeps {
        const erp: ErpClient = {
            post: async (request) => {
                await this.#point();
                const outcome = await this.#post(request);
                await this.#point('afterErpAnswer');
                return outcome;
            },
            findPostings: async (target) => {
                await this.#point();
                return this.erp.findPostings(target);
            },
            periodStatus: async (period) => this.erp.periodStatus(period),
        };
        const crm: CrmClient = { retrieve: async () => undefined, writeBack: async () => this.#point() };
        return {
            store: this.#shared(this.store, true),
            gates: this.#shared(this.gates, true),
            conditions: this.#shared(this.conditions, false),
            meter: this.meter,
            handovers: this.handovers,
            lookup: this.lookup,
            erp,
            crm,
            erpMap,
            entityMap,
            related: new RelatedRecords(entityMap, this.lookup, crm),
            breaker: new CircuitBreaker(this.policy.breaker),
            retryPolicy: this.policy,
            budget: testBudget,
            random: this.random,
            clock: { now: () => new Date(this.nowMs) },
            logger: silentLogger,
            queue: { send: async (messages) => this.#enqueue(messages) },
        };
    }

    async #post(request: ErpRequest): Promise<ErpPostOutcome> {
        const roll = this.random();
        if (roll < this.chaos.erpRefusal) {
            this.erp.failNext = () => true;
        } else if (roll < this.chaos.erpRefusal + this.chaos.erpNoAnswer) {
            const applied = this.random() < 0.5;
            this.erp.noAnswer = () => ({ applied });
        }
        // On the wire: another handler may run before the ERP applies it.
        await this.#point();
        const before = this.erp.books.postings.length;
        const outcome = await this.erp.post(request);
        this.trace.push(
            `${this.nowMs} task${this.#als.getStore()?.id} post ${request.idempotencyKey} -> ${outcome.kind}`,
        );
        this.erp.failNext = () => false;
        this.erp.noAnswer = () => undefined;
        for (const p of this.erp.books.postings.slice(before)) this.ledger.push(p.integrationReference);
        return outcome;
    }

    async #enqueue(messages: OutgoingMessage[]): Promise<void> {
        await this.#point();
        this.#enqueueNow(messages);
    }

    #enqueueNow(messages: OutgoingMessage[]): void {
        for (const message of messages) {
            if (this.#seen.has(message.messageId)) continue; // duplicate detection
            this.#seen.add(message.messageId);
            this.#queue.push({
                seq: ++this.#seq,
                message,
                visibleAt: message.scheduledEnqueueTime?.getTime() ?? this.nowMs,
                deliveryCount: 0,
            });
        }
    }

    #lockFree(session: string): boolean {
        const lock = this.#locks.get(session);
        return !lock || lock.expiresAt <= this.nowMs;
    }

    #head(session: string): QueuedMessage | undefined {
        return this.#queue
            .filter((q) => q.message.sessionId === session && q.visibleAt <= this.nowMs)
            .sort((a, b) => a.visibleAt - b.visibleAt || a.seq - b.seq)[0];
    }

    /** The message was not completed: back to its session, or to the dead-letter queue after its last delivery. */
    #release(queued: QueuedMessage): void {
        if (!this.#queue.includes(queued) || queued.deliveryCount < this.maxDeliveries) return;
        this.#queue.splice(this.#queue.indexOf(queued), 1);
        this.deadLettered.push(queued.message.messageId);
    }

    #start(instanceIndex: number, session: string, queued: QueuedMessage): Promise<void> {
        const instance = this.#instances[instanceIndex];
        if (!instance) return Promise.resolve();
        instance.busy = true;
        queued.deliveryCount++;
        const epoch = ++this.#epochs;
        this.#locks.set(session, { holder: instanceIndex, epoch, expiresAt: this.nowMs + lockDurationMs });
        const task: Task = { id: ++this.#tasks, instance: instanceIndex, alive: true };
        this.trace.push(
            `${this.nowMs} task${task.id} on instance ${instanceIndex} takes ${session} message ${queued.message.messageId} delivery ${queued.deliveryCount}`,
        );
        const stillLocked = () => this.#locks.get(session)?.epoch === epoch;
        const deps = instance.deps;
        return this.#als.run(task, async () => {
            const parsed = parseSessionMessage(structuredClone(queued.message.body));
            if (!parsed.ok) throw new Error(parsed.reason);
            const invocation: Invocation = { id: `inv-${++this.#invocations}`, deadlineMs: this.nowMs + 240_000 };
            let ok = true;
            try {
                await processDelivery(
                    {
                        sessionId: session,
                        message: parsed.message,
                        deliveryCount: queued.deliveryCount,
                        maxDeliveries: this.maxDeliveries,
                    },
                    deps,
                    invocation,
                );
            } catch {
                ok = false;
            }
            if (!task.alive) return;
            if (ok && this.random() < this.chaos.crashBeforeSettle) {
                this.#kill(task); // its lock runs out by itself; the message comes back
                return;
            }
            instance.busy = false;
            if (!stillLocked()) return; // settling under a lost lock fails: the message comes back
            this.#locks.delete(session);
            if (ok) this.#queue.splice(this.#queue.indexOf(queued), 1);
            else this.#release(queued);
        });
    }

    /** Runs until nothing can move without time passing; then moves time to the next event. Until quiet. */
    async run(maxSteps = 20_000): Promise<void> {
        const running = new Set<Promise<void>>();
        const held = new Map<string, QueuedMessage>();
        for (let step = 0; step < maxSteps; step++) {
            await new Promise((r) => setImmediate(r));
            // Locks that ran out free their session; an unsettled message goes back (or to the dead-letter queue).
            for (const [session, lock] of this.#locks) {
                if (lock.expiresAt > this.nowMs) continue;
                this.#locks.delete(session);
                const queued = held.get(session);
                if (queued) this.#release(queued);
            }
            this.#instances.forEach((instance, index) => {
                if (instance.busy) return;
                const sessions = [...new Set(this.#queue.map((q) => q.message.sessionId))].filter(
                    (s) => this.#lockFree(s) && this.#head(s),
                );
                const session = sessions[Math.floor(this.random() * sessions.length)];
                const queued = session ? this.#head(session) : undefined;
                if (!session || !queued) return;
                held.set(session, queued);
                const p = this.#start(index, session, queued).finally(() => running.delete(p));
                running.add(p);
            });
            const waiting = this.#waiting.splice(0);
            if (waiting.length > 0) {
                // One handler moves on; the others keep waiting where they are.
                const chosen = Math.floor(this.random() * waiting.length);
                waiting.forEach((w, i) => {
                    if (i !== chosen) this.#waiting.push(w);
                });
                const next = waiting[chosen];
                if (next) {
                    if (this.random() < this.chaos.lockExpiry) {
                        this.trace.push(`${this.nowMs} task${next.task.id} lost its lock`);
                        this.#loseLockOf(next.task);
                    }
                    next.resume();
                }
                continue;
            }
            if (this.#instances.some((i) => i.busy) && running.size > 0) continue;
            if (!this.#advance()) return;
        }
        throw new Error('the fleet did not settle within the step limit');
    }

    #loseLockOf(task: Task): void {
        for (const [session, lock] of this.#locks)
            if (lock.holder === task.instance) this.#locks.set(session, { ...lock, expiresAt: this.nowMs });
    }

    /** Moves time to the next scheduled message or lock expiry; false when there is none. */
    #advance(): boolean {
        const times = [
            ...this.#queue.map((q) => q.visibleAt),
            ...[...this.#locks.values()].map((l) => l.expiresAt),
        ].filter((t) => t > this.nowMs);
        if (times.length === 0) return false;
        this.nowMs = Math.min(...times);
        return true;
    }

    /** Lets time pass (the sweep's limit, a probe interval) with nothing else happening. */
    async wait(ms: number): Promise<void> {
        this.nowMs += ms;
        await this.run();
    }

    /** What an operations team does after the storm: probe, sweep, and retry whatever waits in review. */
    async heal(rounds = 20): Promise<void> {
        this.chaos = calm;
        const instance = this.#instances[0]?.deps;
        if (!instance) return;
        // The operations team's calls go straight to the shared stores and queue, never through a handler's
        // scheduling points (nothing would resume them while the fleet is not running).
        const deps = {
            ...instance,
            store: this.store,
            gates: this.gates,
            conditions: this.conditions,
            erp: this.erp,
            queue: { send: async (messages: OutgoingMessage[]) => this.#enqueueNow(messages) },
        };
        for (let round = 0; round < rounds; round++) {
            await this.run();
            await this.wait(this.policy.stuckAfterMs + this.policy.default.capMs + 1);
            await sweepStuckTransactions(deps);
            await probeConditions({
                ...deps,
                probeIntervalMs: this.policy.probeIntervalMs,
                activePlanGraceMs: this.policy.activePlanGraceMs,
            });
            await this.run();
            const review = [
                ...(await this.store.listByState('review', 1000)),
                ...(await this.store.listByState('deadLettered', 1000)),
            ];
            if (review.length === 0 && (await this.conditions.listActive()).length === 0) return;
            for (const r of review)
                await actOnReviewItem(r.envelope.transactionId, { action: 'retry', by: 'ops@contoso' }, deps);
        }
    }
}
