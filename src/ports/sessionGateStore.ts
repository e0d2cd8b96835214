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
}

export interface SessionGateStore {
    /** The stored gate, or an open one without a version. */
    get(sessionId: string): Promise<SessionGate>;
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
