import type { Condition, ConditionStore } from '../../ports/conditionStore';

export class MemoryConditionStore implements ConditionStore {
    readonly #conditions = new Map<string, Condition>();
    readonly #parked = new Map<string, Set<string>>();

    async open(condition: Omit<Condition, 'status'>): Promise<Condition> {
        const existing = this.#conditions.get(condition.key);
        if (existing?.status === 'active') return structuredClone(existing);
        const stored: Condition = { ...condition, status: 'active' };
        this.#conditions.set(condition.key, stored);
        return structuredClone(stored);
    }

    async get(key: string): Promise<Condition | undefined> {
        const c = this.#conditions.get(key);
        return c && structuredClone(c);
    }

    async listActive(): Promise<Condition[]> {
        return [...this.#conditions.values()].filter((c) => c.status === 'active').map((c) => structuredClone(c));
    }

    async clear(key: string, at: string): Promise<void> {
        const c = this.#conditions.get(key);
        if (c) this.#conditions.set(key, { ...c, status: 'cleared', clearedAt: at });
    }

    async markProbed(key: string, at: string): Promise<void> {
        const c = this.#conditions.get(key);
        if (c) this.#conditions.set(key, { ...c, lastProbeAt: at });
    }

    async addParkedSession(key: string, sessionId: string): Promise<void> {
        const set = this.#parked.get(key) ?? new Set<string>();
        set.add(sessionId);
        this.#parked.set(key, set);
    }

    async parkedSessions(key: string): Promise<string[]> {
        return [...(this.#parked.get(key) ?? [])].sort();
    }

    async removeParkedSession(key: string, sessionId: string): Promise<void> {
        this.#parked.get(key)?.delete(sessionId);
    }
}
