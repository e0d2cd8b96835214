/**
 * Per-unit order across retries and parking. A session (unit) is blocked by its earliest unresolved transaction;
 * later transactions of that unit are held, in arrival order, until it resolves. Only the handler holding the
 * session lock changes a gate, so there is never a concurrent writer for one session.
 */
export interface SessionGate {
    sessionId: string;
    blockedBy: string | null;
    held: string[];
}

export interface SessionGateStore {
    get(sessionId: string): Promise<SessionGate>;
    put(gate: SessionGate): Promise<void>;
}
