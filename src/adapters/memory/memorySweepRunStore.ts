import type { SweepRunStore } from '../../ports/sweepRunStore';
import type { SweepRun } from '../../sweep/sweepRun';

/** In-memory SweepRunStore for tests; held to the same contract as the Table Storage one. Reads return copies. */
export class MemorySweepRunStore implements SweepRunStore {
    readonly #runs = new Map<string, SweepRun>();

    async save(run: SweepRun): Promise<void> {
        this.#runs.set(run.id, structuredClone(run));
    }

    async get(id: string): Promise<SweepRun | undefined> {
        const run = this.#runs.get(id);
        return run && structuredClone(run);
    }

    async list(max: number): Promise<SweepRun[]> {
        return this.#newestFirst().slice(0, Math.max(0, max));
    }

    async lastComplete(): Promise<SweepRun | undefined> {
        return this.#newestFirst().find((r) => r.status === 'complete');
    }

    #newestFirst(): SweepRun[] {
        return [...this.#runs.values()]
            .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id))
            .map((r) => structuredClone(r));
    }
}
