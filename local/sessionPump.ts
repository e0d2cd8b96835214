import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../src/core/describeError';
import type { Logger } from '../src/ports/logger';
import { silentLogger } from '../src/ports/logger';
import type { ReceivedMessage, SessionLease, SessionQueue } from '../src/ports/sessionQueue';

export interface SessionPumpOptions {
    maxConcurrentSessions: number;
    /** A session with no message for this long is released, so other sessions get a turn. */
    sessionIdleTimeoutMs: number;
    /** Messages fetched per receive; they are still handled one at a time, in order. Default 1. */
    maxMessagesPerReceive?: number;
    /** Renew the session lock this often while the session is held (well under the lock duration). Default 10 s. */
    renewEveryMs?: number;
    logger?: Logger;
}

export interface SessionPump {
    /** Resolves once no session has a visible message and no handler runs (tests and the sample launch wait on it). */
    idle(): Promise<void>;
    /** Lets running handlers finish and settle, then releases every session. */
    stop(): Promise<void>;
    readonly stats: { completed: number; abandoned: number };
}

/** How long a waiting receive or accept runs before the pump looks at stop() again. */
const pollMs = 200;

/**
 * What the Functions host does for a session-enabled Service Bus trigger (host.json `extensions.serviceBus`):
 * up to maxConcurrentSessions sessions at once, one message at a time per session in order, auto-complete on
 * success, abandon when the handler throws, lock renewal while the session is held, release after the idle timeout.
 */
export function startSessionPump(
    queue: SessionQueue,
    handler: (message: ReceivedMessage) => Promise<void>,
    options: SessionPumpOptions,
): SessionPump {
    const logger = options.logger ?? silentLogger;
    const maxPerReceive = Math.max(1, options.maxMessagesPerReceive ?? 1);
    const stats = { completed: 0, abandoned: 0 };
    let running = true;
    /** Messages received and not settled yet, across all sessions. */
    let inHand = 0;
    /** Bumped whenever work shows up, so idle() can tell whether its quiet round saw everything. */
    let activity = 0;
    /** idle() opens rounds; each worker records the latest round in which it looked and found nothing. */
    let round = 0;
    const quietIn = new Array<number>(options.maxConcurrentSessions).fill(-1);

    /** Handles one message and settles it; false when the handler failed and the message was abandoned. */
    const handle = async (lease: SessionLease, message: ReceivedMessage): Promise<boolean> => {
        try {
            await handler(message);
        } catch (e) {
            stats.abandoned++;
            logger.warn('handler failed; message abandoned for redelivery', {
                messageId: message.messageId,
                sessionId: message.sessionId,
                deliveryCount: message.deliveryCount,
                error: describeError(e),
            });
            await lease.abandon(message);
            return false;
        }
        await lease.complete(message);
        stats.completed++;
        return true;
    };

    /** After an abandon with messages still in hand: the redelivered one goes first, anything newer after them. */
    const refetch = async (lease: SessionLease, failed: ReceivedMessage, pending: ReceivedMessage[]) => {
        const received = await lease.receive(maxPerReceive, Math.min(pollMs, options.sessionIdleTimeoutMs));
        inHand += received.length;
        pending.push(...received.filter((m) => m.messageId !== failed.messageId));
        pending.unshift(...received.filter((m) => m.messageId === failed.messageId));
    };

    const drainSession = async (worker: number, lease: SessionLease) => {
        const renew = setInterval(() => void lease.renewLock().catch(() => undefined), options.renewEveryMs ?? 10_000);
        const pending: ReceivedMessage[] = [];
        try {
            let lastMessageAt = performance.now();
            while (running) {
                const next = pending.shift();
                if (next) {
                    const ok = await handle(lease, next).finally(() => inHand--);
                    if (!ok && pending.length > 0) await refetch(lease, next, pending);
                    lastMessageAt = performance.now();
                    continue;
                }
                const idleLeft = options.sessionIdleTimeoutMs - (performance.now() - lastMessageAt);
                if (idleLeft <= 0) return;
                const looked = round;
                const received = await lease.receive(maxPerReceive, Math.min(pollMs, idleLeft));
                if (received.length === 0) quietIn[worker] = looked;
                else {
                    activity++;
                    inHand += received.length;
                    pending.push(...received);
                }
            }
        } catch (e) {
            // Typically a lost session lock: the queue redelivers to whoever takes the session next.
            logger.warn('session ended early', { sessionId: lease.sessionId, error: describeError(e) });
        } finally {
            clearInterval(renew);
            inHand -= pending.length;
            await lease.close().catch(() => undefined);
        }
    };

    const worker = async (index: number) => {
        while (running) {
            const looked = round;
            let lease: SessionLease | null = null;
            try {
                lease = await queue.acceptNextSession(pollMs);
            } catch (e) {
                if (!running) return;
                logger.error('cannot accept a session', { error: describeError(e) });
                await sleep(pollMs);
                continue;
            }
            if (!lease) {
                quietIn[index] = looked;
                continue;
            }
            activity++;
            await drainSession(index, lease);
        }
    };
    const workers = Array.from({ length: options.maxConcurrentSessions }, (_, i) => worker(i));

    return {
        stats,
        async idle() {
            for (;;) {
                if (!running) return;
                await sleep(25);
                if (inHand > 0) continue;
                // Quiet means every worker looked (accept or receive) after this point and found nothing new.
                const opened = ++round;
                const seen = activity;
                while (running && activity === seen && inHand === 0 && quietIn.some((r) => r < opened)) {
                    await sleep(25);
                }
                if (activity === seen && inHand === 0) return;
            }
        },
        async stop() {
            running = false;
            await Promise.all(workers);
        },
    };
}

/**
 * Several instances' pumps on one queue seen as one: idle once all are idle and none handled anything meanwhile,
 * stats summed, stopped together.
 */
export function combinedPump(pumps: SessionPump[]): SessionPump {
    const handled = () => pumps.reduce((n, p) => n + p.stats.completed + p.stats.abandoned, 0);
    return {
        get stats() {
            return {
                completed: pumps.reduce((n, p) => n + p.stats.completed, 0),
                abandoned: pumps.reduce((n, p) => n + p.stats.abandoned, 0),
            };
        },
        async idle() {
            for (;;) {
                const before = handled();
                // Twice: a pump found idle first may have taken up a message another pump's handler sent meanwhile;
                // its second idle() waits for that handler, whose end shows in the count.
                await Promise.all(pumps.map((p) => p.idle()));
                await Promise.all(pumps.map((p) => p.idle()));
                if (handled() === before) return;
            }
        },
        async stop() {
            await Promise.all(pumps.map((p) => p.stop()));
        },
    };
}
