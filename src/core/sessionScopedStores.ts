import type { TransactionRecord } from '../domain/transactionRecord';
import type { SessionGate, SessionGateStore } from '../ports/sessionGateStore';
import { delegatingTransactionStore, type TransactionStore } from '../ports/transactionStore';

/**
 * The stores as one session message sees them. Under the session lock the handler is the only writer of its unit's
 * gate and the usual writer of its transactions, so within one message:
 * - a transaction read once is served from memory afterwards, updated by this handler's own writes;
 * - a gate is written only when it changed (most messages find the unit unblocked and leave it so); a write is still
 *   conditional on the version read, so a handler whose session passed to another instance loses.
 * Each read or write saved is a Table Storage round trip; a launch made about 27 of them per transaction, 8 of them
 * reads of the same record. Nothing is kept beyond the message: the next one reads afresh.
 */
export function sessionScopedStores(
    store: TransactionStore,
    gates: SessionGateStore,
): { store: TransactionStore; gates: SessionGateStore } {
    const records = new Map<string, TransactionRecord | undefined>();
    const savedGates = new Map<string, string>();
    const gateShape = (gate: SessionGate) =>
        JSON.stringify([gate.blockedBy, gate.held, gate.syncs ?? [], gate.version ?? null]);
    return {
        store: {
            ...delegatingTransactionStore(store),
            async get(transactionId) {
                if (records.has(transactionId)) return copy(records.get(transactionId));
                const record = await store.get(transactionId);
                records.set(transactionId, record);
                return copy(record);
            },
            async updateState(transactionId, patch, at) {
                try {
                    const next = await store.updateState(transactionId, patch, at);
                    records.set(transactionId, next);
                    return copy(next) as TransactionRecord;
                } catch (e) {
                    records.delete(transactionId);
                    throw e;
                }
            },
            async recordAccepted(envelope, at) {
                records.delete(envelope.transactionId);
                await store.recordAccepted(envelope, at);
            },
        },
        gates: {
            admit: (sessionId, entry) => gates.admit(sessionId, entry),
            release: (sessionId, key) => gates.release(sessionId, key),
            async get(sessionId) {
                const gate = await gates.get(sessionId);
                savedGates.set(sessionId, gateShape(gate));
                return gate;
            },
            async put(gate) {
                if (savedGates.get(gate.sessionId) === gateShape(gate)) return gate.version;
                const version = await gates.put(gate);
                savedGates.set(gate.sessionId, gateShape({ ...gate, version }));
                return version;
            },
        },
    };
}

/** Callers mutate what they get (the processor builds patches from it), so the memory never hands out its own copy. */
function copy(record: TransactionRecord | undefined): TransactionRecord | undefined {
    return record && structuredClone(record);
}
