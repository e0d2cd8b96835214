import type { Handover, HandoverStore } from '../../ports/handoverStore';

export class MemoryHandoverStore implements HandoverStore {
    readonly #handovers = new Map<string, Handover>();

    async open(handover: Handover): Promise<'created' | 'exists'> {
        if (this.#handovers.has(handover.key)) return 'exists';
        this.#handovers.set(handover.key, structuredClone(handover));
        return 'created';
    }

    async get(key: string): Promise<Handover | undefined> {
        const h = this.#handovers.get(key);
        return h && structuredClone(h);
    }

    async listPending(max: number): Promise<Handover[]> {
        return [...this.#handovers.values()]
            .filter((h) => h.notice === 'pending')
            .slice(0, max)
            .map((h) => structuredClone(h));
    }
}
