import { GateConflictError, type SessionGate, type SessionGateStore } from '../../ports/sessionGateStore';

/** In-memory twin of the gate store, held to test/contract/sessionGateStore.contract.ts. */
export class MemorySessionGateStore implements SessionGateStore {
    readonly #gates = new Map<string, SessionGate & { version: string }>();
    #versions = 0;

    async get(sessionId: string): Promise<SessionGate> {
        const gate = this.#gates.get(sessionId);
        return gate ? structuredClone(gate) : { sessionId, blockedBy: null, held: [] };
    }

    async put(gate: SessionGate): Promise<string> {
        if (this.#gates.get(gate.sessionId)?.version !== gate.version) throw new GateConflictError(gate.sessionId);
        const version = `m${++this.#versions}`;
        this.#gates.set(gate.sessionId, {
            sessionId: gate.sessionId,
            blockedBy: gate.blockedBy,
            held: [...gate.held],
            version,
        });
        return version;
    }
}
