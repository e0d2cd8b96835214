import type { Alert, AlertStore } from '../../ports/alertStore';

export class MemoryAlertStore implements AlertStore {
    readonly #alerts = new Map<string, Alert>();
    readonly #members = new Set<string>();

    async create(alert: Alert): Promise<'created' | 'exists'> {
        if (this.#alerts.has(alert.id)) return 'exists';
        this.#alerts.set(alert.id, structuredClone(alert));
        return 'created';
    }

    async get(id: string): Promise<Alert | undefined> {
        const a = this.#alerts.get(id);
        return a && structuredClone(a);
    }

    async findUnresolved(groupKey: string): Promise<Alert | undefined> {
        const a = [...this.#alerts.values()].find((x) => x.groupKey === groupKey && x.state !== 'resolved');
        return a && structuredClone(a);
    }

    async replace(next: Alert, expectedVersion: number): Promise<boolean> {
        const current = this.#alerts.get(next.id);
        if (!current || current.version !== expectedVersion) return false;
        this.#alerts.set(next.id, { ...structuredClone(next), version: expectedVersion + 1 });
        return true;
    }

    async list(options: { unresolvedOnly?: boolean; max: number }): Promise<Alert[]> {
        return [...this.#alerts.values()]
            .filter((a) => !options.unresolvedOnly || a.state !== 'resolved')
            .sort((a, b) => b.firstAt.localeCompare(a.firstAt) || a.id.localeCompare(b.id))
            .slice(0, options.max)
            .map((a) => structuredClone(a));
    }

    async addMember(scope: string, member: string): Promise<boolean> {
        const key = JSON.stringify([scope, member]);
        if (this.#members.has(key)) return false;
        this.#members.add(key);
        return true;
    }

    async addMembers(scope: string, members: string[]): Promise<string[]> {
        const added: string[] = [];
        for (const m of members) if (await this.addMember(scope, m)) added.push(m);
        return added;
    }

    async listMembers(scope: string): Promise<Set<string>> {
        const members = [...this.#members].map((k) => JSON.parse(k) as [string, string]);
        return new Set(members.filter(([s]) => s === scope).map(([, m]) => m));
    }

    async hasMember(scope: string, member: string): Promise<boolean> {
        return this.#members.has(JSON.stringify([scope, member]));
    }
}
