/**
 * One table's part of a sweep: what was read in the window and what became of each row.
 * - `replayed`: the row's latest version had no transaction (its webhook never came): it went through intake.
 * - `alreadyPresent`: a transaction holds that version, or nothing the ERP cares about changed since the row's last one
 *   (the integration's own write-back changes a row's version and modified time, and nothing else).
 * - `ignored`: replayed, but intake had nothing to send (the map does not take that change).
 * - `failed`: could not be checked or replayed (the reason is in the run's `failures`).
 */
export interface SweepTableResult {
    entity: string;
    rowsRead: number;
    replayed: number;
    alreadyPresent: number;
    ignored: number;
    failed: number;
    /** Dataverse pages read for this table. */
    pages: number;
    /** Every page of the window was read. */
    complete: boolean;
    /** Why it is not complete (never row data). */
    problem?: string;
}

export type SweepStatus = 'running' | 'complete' | 'incomplete' | 'failed';

export interface SweepTotals {
    rowsRead: number;
    replayed: number;
    alreadyPresent: number;
    ignored: number;
    failed: number;
}

/** A row the sweep replayed: its webhook never came (or came and was lost before intake recorded it). */
export interface SweepReplay {
    entity: string;
    recordId: string;
    transactionId: string;
    version?: string;
    /** The row went to review: the column the map cannot read. */
    invalid?: string;
}

export interface SweepFailure {
    entity: string;
    recordId?: string;
    reason: string;
}

/** One sweep run, as stored (table `sweepRuns`) and answered by POST/GET /api/sweeps. */
export interface SweepRun {
    id: string;
    trigger: 'timer' | 'http';
    requestedBy?: string;
    startedAt: string;
    finishedAt?: string;
    /** Rows modified at or after `since` and before `until` (ISO 8601 UTC). */
    window: { since: string; until: string };
    /**
     * complete: every table read to the end and every row checked (the next run starts at this one's `until`);
     * incomplete: a table not read to the end (read budget, Dataverse errors) or a row not checked (the next run
     * sweeps this window again); failed: nothing could be read.
     */
    status: SweepStatus;
    /** Dataverse page reads made (bounded by the read budget). */
    reads: number;
    tables: SweepTableResult[];
    totals: SweepTotals;
    /** The rows replayed (the first `maxListed`). */
    replays: SweepReplay[];
    /** The rows or tables that could not be swept, with the reason (the first `maxListed`). */
    failures: SweepFailure[];
}

/** How many replays and failures a run lists (the counts are always whole). */
export const maxListed = 100;

export function totalsOf(tables: readonly SweepTableResult[]): SweepTotals {
    const sum = (key: keyof SweepTotals) => tables.reduce((n, t) => n + t[key], 0);
    return {
        rowsRead: sum('rowsRead'),
        replayed: sum('replayed'),
        alreadyPresent: sum('alreadyPresent'),
        ignored: sum('ignored'),
        failed: sum('failed'),
    };
}

/** The run's status from its tables: nothing read at all is a failure; any table short or row failed, incomplete. */
export function sweepStatus(tables: readonly SweepTableResult[]): Exclude<SweepStatus, 'running'> {
    if (tables.length > 0 && tables.every((t) => !t.complete && t.pages === 0)) return 'failed';
    return tables.every((t) => t.complete && t.failed === 0) ? 'complete' : 'incomplete';
}
