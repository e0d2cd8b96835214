import type { SessionGate, SessionGateStore } from '../../ports/sessionGateStore';

export class MemorySessionGateStore implements SessionGateStore {
    readonly #gates = new Map<string, SessionGate>();

    async get(sessionId: string): Promise<SessionGate> {
        const gate = this.#gates.get(sessionId);
        return gate ? structuredClone(gate) : { sessionId, blockedBy: null, held: [] };
    }

    async put(gate: SessionGate): Promise<void> {
        if (gate.blockedBy === null && gate.held.length === 0) this.#gates.delete(gate.sessionId);
        else this.#gates.set(gate.sessionId, structuredClone(gate));
    }
}
