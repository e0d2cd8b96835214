import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type {
    DeadLetteredMessage,
    DeadLetterOptions,
    OutgoingMessage,
    ReceivedMessage,
    SessionLease,
    SessionQueue,
} from '../../ports/sessionQueue';
import { QueueJournal } from './queueJournal';
import { SessionLockLostError } from './sessionLockLostError';

interface Stored {
    seq: number;
    messageId: string;
    sessionId: string;
    body: unknown;
    correlationId?: string;
    subject?: string;
    applicationProperties: Record<string, string | number | boolean>;
    enqueuedAt: number;
    /** Session order: when the message became (or becomes) available. Abandoned messages keep theirs. */
    orderKey: number;
    deliveryCount: number;
    deadLetter?: { reason: string; description: string };
}

type Line =
    | { t: 'send'; m: Stored }
    | { t: 'done'; seq: number }
    | { t: 'deliver'; seq: number; n: number }
    | { t: 'dead'; seq: number; reason: string; description: string };

interface Lease {
    id: string;
    sessionId: string;
    expiresAt: number;
    delivered: Set<number>;
}

export interface EmbeddedQueueStats {
    active: number;
    scheduled: number;
    deadLettered: number;
    sessions: number;
}

/**
 * The local stand-in for a session-enabled Service Bus queue, held to the same contract suite
 * (test/contract/sessionQueue.contract.ts). State lives in memory; every change is journaled to disk first,
 * so a crash loses no accepted message and redelivers what was delivered but not settled.
 */
export class EmbeddedSessionQueue implements SessionQueue {
    readonly #messages = new Map<number, Stored>();
    /** Per-session index in session order, so receive and accept do not scan the whole queue. */
    readonly #bySession = new Map<string, Stored[]>();
    readonly #dead = new Map<number, Stored>();
    readonly #leases = new Map<string, Lease>();
    readonly #recentIds = new Map<string, number>();
    readonly #journal: QueueJournal<Line>;
    readonly #clock: Clock;
    readonly #lockMs: number;
    readonly #maxDeliveries: number;
    readonly #dedupeMs: number;
    #seq = 0;
    #rotation = 0;
    #closed = false;
    #wake: Array<() => void> = [];

    private constructor(journal: QueueJournal<Line>, options: Required<Omit<EmbeddedQueueOptions, 'directory'>>) {
        this.#journal = journal;
        this.#clock = options.clock;
        this.#lockMs = options.lockDurationMs;
        this.#maxDeliveries = options.maxDeliveryCount;
        this.#dedupeMs = options.duplicateDetectionWindowMs;
    }

    static async open(options: EmbeddedQueueOptions): Promise<EmbeddedSessionQueue> {
        const { journal, lines } = await QueueJournal.open<Line>(options.directory, 'queue.journal');
        const queue = new EmbeddedSessionQueue(journal, {
            lockDurationMs: options.lockDurationMs ?? 30_000,
            maxDeliveryCount: options.maxDeliveryCount ?? 10,
            duplicateDetectionWindowMs: options.duplicateDetectionWindowMs ?? 600_000,
            clock: options.clock ?? systemClock,
        });
        queue.#replay(lines);
        await queue.#compact();
        return queue;
    }

    stats(): EmbeddedQueueStats {
        const now = this.#now();
        let active = 0;
        let scheduled = 0;
        const sessions = new Set<string>();
        for (const m of this.#messages.values()) {
            if (m.orderKey > now) scheduled++;
            else active++;
            sessions.add(m.sessionId);
        }
        return { active, scheduled, deadLettered: this.#dead.size, sessions: sessions.size };
    }

    async send(messages: OutgoingMessage[]): Promise<void> {
        this.#assertOpen();
        const now = this.#now();
        const lines: Promise<void>[] = [];
        for (const m of messages) {
            const seen = this.#recentIds.get(m.messageId);
            if (seen !== undefined && seen > now - this.#dedupeMs) continue; // duplicate detection, like Service Bus
            this.#recentIds.set(m.messageId, now);
            const scheduled = m.scheduledEnqueueTime?.getTime();
            const stored: Stored = {
                seq: ++this.#seq,
                messageId: m.messageId,
                sessionId: m.sessionId,
                body: m.body,
                ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
                ...(m.subject !== undefined ? { subject: m.subject } : {}),
                applicationProperties: m.applicationProperties ?? {},
                enqueuedAt: now,
                orderKey: scheduled !== undefined && scheduled > now ? scheduled : now,
                deliveryCount: 0,
            };
            lines.push(this.#journal.append({ t: 'send', m: stored }));
            this.#add(stored);
        }
        await Promise.all(lines);
        this.#signal();
    }

    async acceptNextSession(waitMs: number): Promise<SessionLease | null> {
        const deadline = this.#now() + waitMs;
        for (;;) {
            this.#assertOpen();
            const sessionId = this.#nextFreeSession();
            if (sessionId) {
                const lease: Lease = {
                    id: randomUUID(),
                    sessionId,
                    expiresAt: this.#now() + this.#lockMs,
                    delivered: new Set(),
                };
                this.#leases.set(sessionId, lease);
                return this.#leaseHandle(lease);
            }
            const remaining = deadline - this.#now();
            if (remaining <= 0) return null;
            await this.#waitForChange(Math.min(remaining, 50));
        }
    }

    async peekDeadLetters(max: number): Promise<DeadLetteredMessage[]> {
        return [...this.#dead.values()].slice(0, max).map((m) => ({
            ...this.#toReceived(m, 'dead'),
            deadLetterReason: m.deadLetter?.reason ?? '',
            deadLetterDescription: m.deadLetter?.description ?? '',
        }));
    }

    async close(): Promise<void> {
        if (this.#closed) return;
        this.#closed = true;
        this.#signal();
        await this.#journal.close();
    }

    #leaseHandle(lease: Lease): SessionLease {
        const queue = this;
        return {
            sessionId: lease.sessionId,
            async receive(max, waitMs) {
                const deadline = queue.#now() + waitMs;
                for (;;) {
                    queue.#assertLease(lease);
                    const now = queue.#now();
                    const ready = (queue.#bySession.get(lease.sessionId) ?? [])
                        .filter((m) => m.orderKey <= now && !lease.delivered.has(m.seq))
                        .slice(0, max);
                    if (ready.length > 0) {
                        for (const m of ready) {
                            lease.delivered.add(m.seq);
                            m.deliveryCount++;
                            void queue.#journal
                                .append({ t: 'deliver', seq: m.seq, n: m.deliveryCount })
                                .catch(() => undefined);
                        }
                        return ready.map((m) => queue.#toReceived(m, lease.id));
                    }
                    const remaining = deadline - queue.#now();
                    if (remaining <= 0) return [];
                    await queue.#waitForChange(Math.min(remaining, 50));
                }
            },
            async complete(message) {
                const m = queue.#settleable(lease, message);
                queue.#remove(m);
                lease.delivered.delete(m.seq);
                await queue.#journal.append({ t: 'done', seq: m.seq });
                await queue.#maybeCompact();
            },
            async abandon(message) {
                const m = queue.#settleable(lease, message);
                lease.delivered.delete(m.seq);
                await queue.#returnOrDeadLetter(m);
                queue.#signal();
            },
            async deadLetter(message, options: DeadLetterOptions) {
                const m = queue.#settleable(lease, message);
                lease.delivered.delete(m.seq);
                await queue.#moveToDeadLetter(m, options.reason, options.description);
            },
            async renewLock() {
                queue.#assertLease(lease);
                lease.expiresAt = queue.#now() + queue.#lockMs;
            },
            async close() {
                if (queue.#leases.get(lease.sessionId) !== lease) return;
                await queue.#release(lease);
            },
        };
    }

    #nextFreeSession(): string | undefined {
        const now = this.#now();
        for (const lease of [...this.#leases.values()]) if (lease.expiresAt <= now) void this.#release(lease);
        const candidates = [...this.#bySession.entries()]
            .filter(([s, list]) => !this.#leases.has(s) && list.some((m) => m.orderKey <= now))
            .map(([s]) => s);
        if (candidates.length === 0) return undefined;
        // Rotate through sessions so one busy unit cannot starve the others.
        this.#rotation = (this.#rotation + 1) % candidates.length;
        return candidates[this.#rotation];
    }

    /** Ends a lease: its delivered, unsettled messages go back to the session (or to dead letters past max deliveries). */
    async #release(lease: Lease): Promise<void> {
        if (this.#leases.get(lease.sessionId) === lease) this.#leases.delete(lease.sessionId);
        const unsettled = [...lease.delivered]
            .map((seq) => this.#messages.get(seq))
            .filter((m): m is Stored => m !== undefined);
        lease.delivered.clear();
        for (const m of unsettled) await this.#returnOrDeadLetter(m);
        this.#signal();
    }

    async #returnOrDeadLetter(m: Stored): Promise<void> {
        if (m.deliveryCount >= this.#maxDeliveries) {
            await this.#moveToDeadLetter(
                m,
                'MaxDeliveryCountExceeded',
                `delivered ${m.deliveryCount} times without being completed`,
            );
        }
    }

    async #moveToDeadLetter(m: Stored, reason: string, description: string): Promise<void> {
        this.#remove(m);
        m.deadLetter = { reason, description };
        this.#dead.set(m.seq, m);
        await this.#journal.append({ t: 'dead', seq: m.seq, reason, description });
    }

    #settleable(lease: Lease, message: ReceivedMessage): Stored {
        this.#assertLease(lease);
        const m = [...lease.delivered]
            .map((seq) => this.#messages.get(seq))
            .find((x) => x?.messageId === message.messageId && message.lockToken === lease.id);
        if (!m) throw new SessionLockLostError(`message ${message.messageId} is not locked by this session receiver`);
        return m;
    }

    #assertLease(lease: Lease): void {
        this.#assertOpen();
        if (this.#leases.get(lease.sessionId) !== lease)
            throw new SessionLockLostError(`the lock on session ${lease.sessionId} was lost`);
        if (lease.expiresAt <= this.#now()) {
            void this.#release(lease);
            throw new SessionLockLostError(`the lock on session ${lease.sessionId} expired`);
        }
    }

    #assertOpen(): void {
        if (this.#closed) throw new Error('the embedded queue is closed');
    }

    #toReceived(m: Stored, lockToken: string): ReceivedMessage {
        return {
            messageId: m.messageId,
            sessionId: m.sessionId,
            body: structuredClone(m.body),
            ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
            ...(m.subject !== undefined ? { subject: m.subject } : {}),
            applicationProperties: { ...m.applicationProperties },
            deliveryCount: m.deliveryCount,
            enqueuedAt: new Date(m.enqueuedAt),
            lockToken,
        };
    }

    #replay(lines: Line[]): void {
        for (const line of lines) {
            if (line.t === 'send') {
                this.#add(line.m);
                this.#recentIds.set(line.m.messageId, line.m.enqueuedAt);
                this.#seq = Math.max(this.#seq, line.m.seq);
            } else if (line.t === 'done') {
                const m = this.#messages.get(line.seq);
                if (m) this.#remove(m);
            } else if (line.t === 'deliver') {
                const m = this.#messages.get(line.seq);
                if (m) m.deliveryCount = line.n;
            } else {
                const m = this.#messages.get(line.seq) ?? this.#dead.get(line.seq);
                if (m) {
                    this.#remove(m);
                    m.deadLetter = { reason: line.reason, description: line.description };
                    this.#dead.set(line.seq, m);
                }
            }
        }
    }

    async #maybeCompact(): Promise<void> {
        const live = this.#messages.size + this.#dead.size;
        if (this.#journal.lineCount > 10_000 && this.#journal.lineCount > 4 * live) await this.#compact();
    }

    /** Rewrites the journal with only live messages and dead letters (their delivery counts included). */
    async #compact(): Promise<void> {
        const lines: Line[] = [];
        for (const m of [...this.#messages.values(), ...this.#dead.values()].sort((a, b) => a.seq - b.seq)) {
            lines.push({ t: 'send', m });
            if (m.deadLetter)
                lines.push({
                    t: 'dead',
                    seq: m.seq,
                    reason: m.deadLetter.reason,
                    description: m.deadLetter.description,
                });
        }
        await this.#journal.rewrite(lines);
    }

    #now(): number {
        return this.#clock.now().getTime();
    }

    #signal(): void {
        const waiters = this.#wake;
        this.#wake = [];
        for (const w of waiters) w();
    }

    async #waitForChange(ms: number): Promise<void> {
        let wake: (() => void) | undefined;
        const woken = new Promise<void>((resolve) => {
            wake = resolve;
        });
        if (wake) this.#wake.push(wake);
        await Promise.race([woken, sleep(ms)]);
        this.#wake = this.#wake.filter((w) => w !== wake);
    }

    #add(m: Stored): void {
        this.#messages.set(m.seq, m);
        const list = this.#bySession.get(m.sessionId) ?? [];
        list.push(m);
        // Scheduled messages can arrive out of order; keep session order by availability time, then sequence.
        const last = list[list.length - 2];
        if (last && (last.orderKey > m.orderKey || (last.orderKey === m.orderKey && last.seq > m.seq))) {
            list.sort((a, b) => a.orderKey - b.orderKey || a.seq - b.seq);
        }
        this.#bySession.set(m.sessionId, list);
    }

    #remove(m: Stored): void {
        this.#messages.delete(m.seq);
        const list = (this.#bySession.get(m.sessionId) ?? []).filter((x) => x.seq !== m.seq);
        if (list.length > 0) this.#bySession.set(m.sessionId, list);
        else this.#bySession.delete(m.sessionId);
    }
}

export interface EmbeddedQueueOptions {
    directory: string;
    lockDurationMs?: number;
    maxDeliveryCount?: number;
    duplicateDetectionWindowMs?: number;
    clock?: Clock;
}
