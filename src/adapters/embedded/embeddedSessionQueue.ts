import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { DeadLetteredMessage, OutgoingMessage, SessionLease, SessionQueue } from '../../ports/sessionQueue';
import { QueueUnavailableError } from '../../ports/sessionQueue';
import { EmbeddedLease, type LeaseHost } from './embeddedLease';
import { QueueJournal } from './queueJournal';
import { type JournalLine, QueueState } from './queueState';
import { maxDeliveryReason, type StoredMessage, toReceived, toStored } from './storedMessage';
import { WakeSignal } from './wakeSignal';

export interface EmbeddedQueueOptions {
    directory: string;
    lockDurationMs?: number;
    maxDeliveryCount?: number;
    duplicateDetectionWindowMs?: number;
    clock?: Clock;
    /** Journal length (lines) past which settled history is compacted away. */
    compactAfterLines?: number;
}

export interface EmbeddedQueueStats {
    active: number;
    scheduled: number;
    deadLettered: number;
    sessions: number;
}

/** Waiting callers re-check at least this often (scheduled messages, lock expiry); sends wake them at once. */
const pollMs = 50;

/**
 * The local stand-in for a session-enabled Service Bus queue, held to the same contract suite
 * (test/contract/sessionQueue.contract.ts). State lives in memory; every change is journaled, and a message becomes
 * visible only once its send is on disk, so a crash loses no accepted message and redelivers what was not settled.
 */
export class EmbeddedSessionQueue implements SessionQueue {
    readonly #state = new QueueState();
    readonly #leases = new Map<string, EmbeddedLease>();
    /** sessionId → accept counter when last handed out: the least recently served session goes next. */
    readonly #lastServed = new Map<string, number>();
    readonly #inFlight = new Map<string, Promise<void>>();
    readonly #wake = new WakeSignal();
    readonly #journal: QueueJournal<JournalLine>;
    readonly #clock: Clock;
    readonly #maxDeliveries: number;
    readonly #dedupeMs: number;
    readonly #compactAfter: number;
    readonly #host: LeaseHost;
    #served = 0;
    #compaction: Promise<void> | undefined;
    #closed = false;

    private constructor(journal: QueueJournal<JournalLine>, options: EmbeddedQueueOptions) {
        this.#journal = journal;
        this.#clock = options.clock ?? systemClock;
        this.#maxDeliveries = options.maxDeliveryCount ?? 10;
        this.#dedupeMs = options.duplicateDetectionWindowMs ?? 600_000;
        this.#compactAfter = options.compactAfterLines ?? 10_000;
        this.#host = {
            state: this.#state,
            wake: this.#wake,
            lockMs: options.lockDurationMs ?? 30_000,
            pollMs,
            now: () => this.#now(),
            assertOpen: () => this.#assertOpen(),
            journaled: (line) => this.#journaled(line),
            returnOrDeadLetter: async (m) => {
                if (m.deliveryCount >= this.#maxDeliveries) await this.#deadLetter(m, ...maxDeliveryReason(m));
            },
            deadLetter: (m, reason, description) => this.#deadLetter(m, reason, description),
            ended: (lease) => {
                if (this.#leases.get(lease.sessionId) === lease) this.#leases.delete(lease.sessionId);
            },
            completed: () => this.#maybeCompact(),
        };
    }

    static async open(options: EmbeddedQueueOptions): Promise<EmbeddedSessionQueue> {
        const { journal, lines } = await QueueJournal.open<JournalLine>(options.directory, 'queue.journal');
        const queue = new EmbeddedSessionQueue(journal, options);
        const state = queue.#state;
        for (const line of lines) state.apply(line);
        // The crash ended every lock; a message already delivered the maximum number of times dies, as on Service Bus.
        for (const m of [...state.messages.values()]) {
            if (m.deliveryCount >= queue.#maxDeliveries) state.toDeadLetter(m, ...maxDeliveryReason(m));
        }
        state.forgetIdsBefore(queue.#now() - queue.#dedupeMs);
        await journal.rewrite(() => state.snapshot());
        return queue;
    }

    stats(): EmbeddedQueueStats {
        const now = this.#now();
        let scheduled = 0;
        for (const m of this.#state.messages.values()) if (m.visibleAt > now) scheduled++;
        return {
            active: this.#state.messages.size - scheduled,
            scheduled,
            deadLettered: this.#state.dead.size,
            sessions: this.#state.sessions.size,
        };
    }

    /** Journal health for operators and tests: group commit keeps `flushes` far below the number of lines. */
    journalStats(): { flushes: number; linesSinceCompaction: number } {
        return { flushes: this.#journal.flushes, linesSinceCompaction: this.#journal.linesSinceRewrite };
    }

    async send(messages: OutgoingMessage[]): Promise<void> {
        this.#assertOpen();
        const now = this.#now();
        this.#state.forgetIdsBefore(now - this.#dedupeMs);
        const writes: Promise<void>[] = [];
        for (const m of messages) {
            // A duplicate of a send still in flight shares its outcome: accepted only if that one is.
            const inFlight = this.#inFlight.get(m.messageId);
            if (inFlight) writes.push(inFlight);
            else if (!this.#state.seenIds.has(m.messageId)) {
                writes.push(this.#journalSend(toStored(m, ++this.#state.lastSeq, now)));
            }
        }
        try {
            await Promise.all(writes);
        } catch (e) {
            throw new QueueUnavailableError('the embedded queue could not journal the message', { cause: e });
        }
        this.#wake.signal();
    }

    async acceptNextSession(waitMs: number): Promise<SessionLease | null> {
        const deadline = performance.now() + waitMs;
        for (;;) {
            this.#assertOpen();
            for (const lease of [...this.#leases.values()]) if (lease.expired) void lease.release();
            const sessionId = this.#leastRecentlyServedFreeSession();
            if (sessionId !== undefined) {
                const lease = new EmbeddedLease(sessionId, this.#host);
                this.#leases.set(sessionId, lease);
                this.#lastServed.set(sessionId, ++this.#served);
                return lease;
            }
            const remaining = deadline - performance.now();
            if (remaining <= 0) return null;
            await this.#wake.wait(Math.min(remaining, pollMs));
        }
    }

    async peekDeadLetters(max: number): Promise<DeadLetteredMessage[]> {
        this.#assertOpen();
        return [...this.#state.dead.values()].slice(0, max).map((m) => ({
            ...toReceived(m, ''),
            deadLetterReason: m.deadLetter?.reason ?? '',
            deadLetterDescription: m.deadLetter?.description ?? '',
        }));
    }

    /** Writes what is pending and closes the journal; every later call rejects. */
    async close(): Promise<void> {
        if (this.#closed) return;
        this.#closed = true;
        this.#wake.signal();
        await this.#compaction;
        await this.#journal.close();
    }

    #journalSend(stored: StoredMessage): Promise<void> {
        const { messageId } = stored;
        this.#state.seenIds.set(messageId, stored.enqueuedAt);
        const write = this.#journal
            .append({ t: 'send', m: stored }, () => this.#state.add(stored))
            .catch((e: unknown) => {
                this.#state.seenIds.delete(messageId); // not accepted, so a retry must not count as a duplicate
                throw e;
            })
            .finally(() => this.#inFlight.delete(messageId));
        this.#inFlight.set(messageId, write);
        return write;
    }

    #leastRecentlyServedFreeSession(): string | undefined {
        const now = this.#now();
        let best: string | undefined;
        let bestServed = Number.POSITIVE_INFINITY;
        for (const [sessionId, list] of this.#state.sessions) {
            const head = list[0];
            if (this.#leases.has(sessionId) || !head || head.visibleAt > now) continue;
            const served = this.#lastServed.get(sessionId) ?? 0;
            if (served < bestServed) [best, bestServed] = [sessionId, served];
        }
        if (this.#lastServed.size > 2 * this.#state.sessions.size + 1000) {
            for (const s of this.#lastServed.keys()) if (!this.#state.sessions.has(s)) this.#lastServed.delete(s);
        }
        return best;
    }

    async #deadLetter(m: StoredMessage, reason: string, description: string): Promise<void> {
        this.#state.toDeadLetter(m, reason, description);
        await this.#journaled({ t: 'dead', seq: m.seq, reason, description });
    }

    async #journaled(line: JournalLine): Promise<void> {
        try {
            await this.#journal.append(line);
        } catch (e) {
            throw new QueueUnavailableError('the embedded queue could not journal a settlement', { cause: e });
        }
    }

    #maybeCompact(): void {
        const lines = this.#journal.linesSinceRewrite;
        const live = this.#state.messages.size + this.#state.dead.size;
        if (this.#compaction || this.#closed || lines <= this.#compactAfter || lines <= 4 * live) return;
        // In the background; should it fail, the old journal is still whole and the next settlement tries again.
        this.#compaction = this.#journal
            .rewrite(() => this.#state.snapshot())
            .catch(() => undefined)
            .finally(() => {
                this.#compaction = undefined;
            });
    }

    #assertOpen(): void {
        if (this.#closed) throw new QueueUnavailableError('the embedded queue is closed');
    }

    #now(): number {
        return this.#clock.now().getTime();
    }
}
