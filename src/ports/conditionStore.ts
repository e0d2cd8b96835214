import type { Owner } from '../domain/failure';

export type ConditionKind =
    | 'period'
    | 'milestone'
    | 'dependency'
    | 'activePlan'
    | 'erpUnavailable'
    | 'crmUnavailable'
    | 'retryBudget'
    | 'other';

/** A business or operational block that transactions wait on, e.g. `period 2026-11 frozen`. */
export interface Condition {
    key: string;
    kind: ConditionKind;
    owner: Owner;
    since: string;
    details: Record<string, string | number>;
    status: 'active' | 'cleared';
    clearedAt?: string;
    lastProbeAt?: string;
}

export interface ConditionStore {
    /** Registers a condition if it is not active yet; returns the stored one. */
    open(condition: Omit<Condition, 'status'>): Promise<Condition>;
    get(key: string): Promise<Condition | undefined>;
    listActive(): Promise<Condition[]>;
    clear(key: string, at: string): Promise<void>;
    markProbed(key: string, at: string): Promise<void>;
    /** Records that a session has a transaction parked under this condition. */
    addParkedSession(key: string, sessionId: string): Promise<void>;
    parkedSessions(key: string): Promise<string[]>;
    removeParkedSession(key: string, sessionId: string): Promise<void>;
}
