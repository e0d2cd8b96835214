import type { Clock } from '../ports/clock';
import type { Condition, ConditionStore } from '../ports/conditionStore';

/**
 * Every attempt asks whether its period is frozen or closed and every confirmed posting whether the ERP was marked
 * down: three reads of conditions that almost always do not stand. This remembers "does not stand" for a short
 * while. Only that answer: an active condition is always read again, because a transaction retried after the
 * condition was cleared (by the probe, maybe on another instance) must not see it still standing and park for
 * good. A stale "does not stand" costs at most one ERP call, which the ERP refuses and which opens the condition
 * again. Opening or clearing through this process forgets the key at once.
 */
export function cachingAbsentConditions(inner: ConditionStore, clock: Clock, ttlMs: number): ConditionStore {
    const absentUntil = new Map<string, number>();
    const forget = (key: string) => absentUntil.delete(key);
    return {
        async get(key: string): Promise<Condition | undefined> {
            const until = absentUntil.get(key);
            if (until !== undefined && clock.now().getTime() < until) return undefined;
            const condition = await inner.get(key);
            if (condition?.status === 'active') forget(key);
            else {
                if (absentUntil.size > 1000) absentUntil.clear();
                absentUntil.set(key, clock.now().getTime() + ttlMs);
            }
            return condition;
        },
        async open(condition) {
            forget(condition.key);
            const opened = await inner.open(condition);
            forget(condition.key);
            return opened;
        },
        async clear(key, at) {
            forget(key);
            await inner.clear(key, at);
        },
        listActive: () => inner.listActive(),
        markProbed: (key, at) => inner.markProbed(key, at),
        addParkedSession: (key, sessionId) => inner.addParkedSession(key, sessionId),
        parkedSessions: (key) => inner.parkedSessions(key),
        removeParkedSession: (key, sessionId) => inner.removeParkedSession(key, sessionId),
    };
}
