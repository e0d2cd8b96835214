/**
 * Per-unit order across retries and parking. A session (unit) is blocked by its earliest unresolved transaction;
 * later transactions of that unit are held, in arrival order, until it resolves.
 *
 * Normally only the handler holding the session lock changes a gate, but a lock can expire mid-call and the session
 * pass to another instance while the first still runs. So every write is conditional on the version it read: the
 * first writer wins and a late one gets GateConflictError and stops, instead of overwriting the new holder's gate.
 */
export interface SessionGate {
    sessionId: string;
    blockedBy: string | null;
    held: string[];
    /** Opaque version of the stored gate (an ETag); absent when no gate has been stored for the session yet. */
    version?: string;
    /**
     * The unit's CRM sync lane: transactions whose CRM row must be brought up to date, in the order they moved
     * (src/core/crmSync.ts). Apart from `blockedBy`/`held`: the ERP side never waits for the CRM.
     */
    syncs?: string[];
    /** The session's backlog as read with the gate (`get` always sets it; `put` does not write it). */
    backlog?: readonly BacklogEntry[];
}

/**
 * A transaction of the session that was accepted and is not yet known to be done. Intake admits it before it
 * enqueues it, so a transaction whose queue message is lost (dead-lettered without a trace, never enqueued) is
 * still in its session's backlog, and the next transaction of the unit finds it there and lets it go first.
 */
export interface BacklogEntry {
    /** Orders the session's transactions: acceptance time, then transaction id (src/core/sessionBacklog.ts). */
    key: string;
    transactionId: string;
}

export interface SessionGateStore {
    /** The stored gate, or an open one without a version; with the session's backlog in key order. */
    get(sessionId: string): Promise<SessionGate & { backlog: readonly BacklogEntry[] }>;
    /** The transaction joins its session's backlog. Idempotent. */
    admit(sessionId: string, entry: BacklogEntry): Promise<void>;
    /** The transaction is done (or never needs to go ahead of later ones again): it leaves the backlog. Idempotent. */
    release(sessionId: string, key: string): Promise<void>;
    /**
     * Stores the gate if it is still at `gate.version` (absent: only if none is stored yet) and answers the new
     * version; throws GateConflictError and changes nothing otherwise. Gates are never deleted, so a version is
     * never seen twice (an open gate is stored as open). A store that skips unchanged gates may answer the version
     * it was given, undefined for an open gate never stored.
     */
    put(gate: SessionGate): Promise<string | undefined>;
}

/** The gate changed since it was read: another handler holds the session now. */
export class GateConflictError extends Error {
    readonly code = 'GATE_CONFLICT';
    readonly isGateConflictError = true;
    constructor(readonly sessionId: string) {
        super(`The gate of session ${sessionId} changed since it was read: another handler holds the session now`);
        this.name = 'GateConflictError';
    }
}

export const isGateConflictError = (e: unknown): e is GateConflictError =>
    typeof e === 'object' && e !== null && (e as { isGateConflictError?: unknown }).isGateConflictError === true;
