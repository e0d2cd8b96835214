import type { SweepRun } from '../sweep/sweepRun';

/**
 * The daily sweep's runs: Table Storage (table `sweepRuns`) in Azure and locally, an in-memory twin for tests; both
 * are held to test/contract/sweepRunStore.contract.ts.
 */
export interface SweepRunStore {
    /** Creates the run or replaces it (same id). */
    save(run: SweepRun): Promise<void>;
    get(id: string): Promise<SweepRun | undefined>;
    /** The newest runs first (by start), at most `max`. */
    list(max: number): Promise<SweepRun[]>;
    /** The newest run that completed: the next window starts where it ended. */
    lastComplete(): Promise<SweepRun | undefined>;
}
