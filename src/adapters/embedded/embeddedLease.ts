import { randomUUID } from 'node:crypto';
import type { DeadLetterOptions, ReceivedMessage, SessionLease } from '../../ports/sessionQueue';
import type { JournalLine, QueueState } from './queueState';
import { SessionLockLostError } from './sessionLockLostError';
import { type StoredMessage, toReceived } from './storedMessage';
import type { WakeSignal } from './wakeSignal';

/** What a lease needs from its queue. */
export interface LeaseHost {
    readonly state: QueueState;
    readonly wake: WakeSignal;
    readonly lockMs: number;
    readonly pollMs: number;
    now(): number;
    assertOpen(): void;
    journaled(line: JournalLine): Promise<void>;
    /** A delivery that went back: dead-lettered when it has used up its deliveries. */
    returnOrDeadLetter(m: StoredMessage): Promise<void>;
    deadLetter(m: StoredMessage, reason: string, description: string): Promise<void>;
    ended(lease: EmbeddedLease): void;
    completed(): void;
}

/**
 * The lock on one session of the embedded queue. Each delivery gets its own lock token, so a stale handle (settled
 * already, or redelivered since) is refused like on Service Bus, with SESSION_LOCK_LOST.
 */
export class EmbeddedLease implements SessionLease {
    readonly #id = randomUUID();
    readonly #host: LeaseHost;
    /** Lock token → message seq, for deliveries not settled yet. */
    readonly #tokens = new Map<string, number>();
    readonly #delivered = new Set<number>();
    #expiresAt: number;
    #ended = false;

    constructor(
        readonly sessionId: string,
        host: LeaseHost,
    ) {
        this.#host = host;
        this.#expiresAt = host.now() + host.lockMs;
    }

    get expired(): boolean {
        return this.#expiresAt <= this.#host.now();
    }

    async receive(max: number, waitMs: number): Promise<ReceivedMessage[]> {
        const deadline = performance.now() + waitMs;
        for (;;) {
            this.#assertHeld();
            const ready = this.#deliverable(max);
            if (ready.length > 0) {
                const received = ready.map((m) => {
                    m.deliveryCount++;
                    const token = `${this.#id}.${m.seq}.${m.deliveryCount}`;
                    this.#tokens.set(token, m.seq);
                    this.#delivered.add(m.seq);
                    return toReceived(m, token);
                });
                // Counted on disk before the handler runs: a message that crashes the process still dies eventually.
                await Promise.all(
                    ready.map((m) => this.#host.journaled({ t: 'deliver', seq: m.seq, n: m.deliveryCount })),
                );
                return received;
            }
            const remaining = deadline - performance.now();
            if (remaining <= 0) return [];
            await this.#host.wake.wait(Math.min(remaining, this.#host.pollMs));
        }
    }

    async complete(message: ReceivedMessage): Promise<void> {
        const m = this.#settleable(message);
        this.#host.state.remove(m);
        await this.#host.journaled({ t: 'done', seq: m.seq });
        this.#host.completed();
    }

    async abandon(message: ReceivedMessage): Promise<void> {
        await this.#host.returnOrDeadLetter(this.#settleable(message));
        this.#host.wake.signal();
    }

    async deadLetter(message: ReceivedMessage, options: DeadLetterOptions): Promise<void> {
        await this.#host.deadLetter(this.#settleable(message), options.reason, options.description);
    }

    async renewLock(): Promise<void> {
        this.#assertHeld();
        this.#expiresAt = this.#host.now() + this.#host.lockMs;
    }

    async close(): Promise<void> {
        if (!this.#ended) await this.release();
    }

    /** Ends the lease (closed or expired): unsettled deliveries go back to the session, in their places. */
    async release(): Promise<void> {
        this.#ended = true;
        this.#host.ended(this);
        const unsettled = [...this.#delivered].map((seq) => this.#host.state.messages.get(seq));
        this.#tokens.clear();
        this.#delivered.clear();
        this.#host.wake.signal();
        await Promise.all(unsettled.map((m) => m && this.#host.returnOrDeadLetter(m))).catch(() => undefined);
    }

    /** Visible messages of this session, in order, that this lease has not delivered yet. */
    #deliverable(max: number): StoredMessage[] {
        const now = this.#host.now();
        const ready: StoredMessage[] = [];
        for (const m of this.#host.state.sessions.get(this.sessionId) ?? []) {
            if (ready.length >= max || m.visibleAt > now) break;
            if (!this.#delivered.has(m.seq)) ready.push(m);
        }
        return ready;
    }

    #settleable(message: ReceivedMessage): StoredMessage {
        this.#assertHeld();
        const seq = this.#tokens.get(message.lockToken);
        const m = seq === undefined ? undefined : this.#host.state.messages.get(seq);
        if (seq === undefined || !m) {
            throw new SessionLockLostError(
                `message ${message.messageId} is not locked by this session receiver (already settled, or redelivered)`,
            );
        }
        this.#tokens.delete(message.lockToken);
        this.#delivered.delete(seq);
        return m;
    }

    #assertHeld(): void {
        this.#host.assertOpen();
        if (this.#ended) throw new SessionLockLostError(`the lock on session ${this.sessionId} was released`);
        if (this.expired) {
            void this.release();
            throw new SessionLockLostError(`the lock on session ${this.sessionId} expired`);
        }
    }
}
