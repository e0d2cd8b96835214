import {
    type BacklogEntry,
    GateConflictError,
    type SessionGate,
    type SessionGateStore,
} from '../../ports/sessionGateStore';

/** In-memory twin of the gate store, held to test/contract/sessionGateStore.contract.ts. */
export class MemorySessionGateStore implements SessionGateStore {
    readonly #gates = new Map<string, SessionGate & { version: string }>();
    readonly #backlogs = new Map<string, Map<string, BacklogEntry>>();
    #versions = 0;

    async get(sessionId: string): Promise<SessionGate & { backlog: readonly BacklogEntry[] }> {
        const gate = this.#gates.get(sessionId);
        const backlog = [...(this.#backlogs.get(sessionId)?.values() ?? [])]
            .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
            .map((e) => ({ ...e }));
        return gate ? { ...structuredClone(gate), backlog } : { sessionId, blockedBy: null, held: [], backlog };
    }

    async put(gate: SessionGate): Promise<string> {
        if (this.#gates.get(gate.sessionId)?.version !== gate.version) throw new GateConflictError(gate.sessionId);
        const version = `m${++this.#versions}`;
        this.#gates.set(gate.sessionId, {
            sessionId: gate.sessionId,
            blockedBy: gate.blockedBy,
            held: [...gate.held],
            ...(gate.syncs && gate.syncs.length > 0 ? { syncs: [...gate.syncs] } : {}),
            version,
        });
        return version;
    }

    async admit(sessionId: string, entry: BacklogEntry): Promise<void> {
        const backlog = this.#backlogs.get(sessionId) ?? new Map<string, BacklogEntry>();
        if (!backlog.has(entry.key)) backlog.set(entry.key, { ...entry });
        this.#backlogs.set(sessionId, backlog);
    }

    async release(sessionId: string, key: string): Promise<void> {
        this.#backlogs.get(sessionId)?.delete(key);
    }
}
