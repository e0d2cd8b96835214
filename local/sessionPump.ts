import type { Logger } from '../src/ports/logger';
import { silentLogger } from '../src/ports/logger';
import type { ReceivedMessage, SessionLease, SessionQueue } from '../src/ports/sessionQueue';

export interface SessionPumpOptions {
    maxConcurrentSessions: number;
    sessionIdleTimeoutMs: number;
    /** Renew the session lock this often while a handler runs (well under the lock duration). */
    renewEveryMs?: number;
    logger?: Logger;
}

export interface SessionPump {
    /** Resolves when no message is visible and no handler runs (tests and the sample launch wait on it). */
    idle(): Promise<void>;
    stop(): Promise<void>;
    readonly stats: { completed: number; abandoned: number };
}

/**
 * What the Functions host does for a session-enabled Service Bus trigger (host.json `extensions.serviceBus`):
 * up to maxConcurrentSessions sessions at once, one message at a time per session in order, auto-complete on
 * success, abandon when the handler throws, lock renewal while it runs, release after the idle timeout.
 */
export function startSessionPump(
    queue: SessionQueue & { stats(): { active: number } },
    handler: (message: ReceivedMessage) => Promise<void>,
    options: SessionPumpOptions,
): SessionPump {
    const logger = options.logger ?? silentLogger;
    let running = true;
    let busy = 0;
    const stats = { completed: 0, abandoned: 0 };

    const processSession = async (lease: SessionLease) => {
        try {
            while (running) {
                const [message] = await lease.receive(1, options.sessionIdleTimeoutMs);
                if (!message) return;
                busy++;
                const renew = setInterval(
                    () => void lease.renewLock().catch(() => undefined),
                    options.renewEveryMs ?? 10_000,
                );
                try {
                    await handler(message);
                    await lease.complete(message);
                    stats.completed++;
                } catch (e) {
                    stats.abandoned++;
                    logger.warn('handler failed; message abandoned for redelivery', {
                        messageId: message.messageId,
                        deliveryCount: message.deliveryCount,
                        error: e instanceof Error ? e.message : String(e),
                    });
                    await lease.abandon(message).catch(() => undefined);
                } finally {
                    clearInterval(renew);
                    busy--;
                }
            }
        } catch (e) {
            // A lost session lock: the queue redelivers the message to whoever takes the session next.
            logger.warn('session ended early', {
                sessionId: lease.sessionId,
                error: e instanceof Error ? e.message : String(e),
            });
        } finally {
            await lease.close().catch(() => undefined);
        }
    };

    const worker = async () => {
        while (running) {
            let lease: SessionLease | null = null;
            try {
                lease = await queue.acceptNextSession(200);
            } catch (e) {
                if (!running) return;
                logger.error('cannot accept a session', { error: e instanceof Error ? e.message : String(e) });
                await new Promise((r) => setTimeout(r, 500));
            }
            if (lease) await processSession(lease);
        }
    };
    const workers = Array.from({ length: options.maxConcurrentSessions }, () => worker());

    return {
        stats,
        async idle() {
            // Two quiet checks in a row: a handler may enqueue follow-up work just as another finishes.
            let quiet = 0;
            while (quiet < 2) {
                await new Promise((r) => setTimeout(r, 50));
                quiet = queue.stats().active === 0 && busy === 0 ? quiet + 1 : 0;
            }
        },
        async stop() {
            running = false;
            await Promise.all(workers);
        },
    };
}
