import { describe, expect, it } from 'vitest';
import { MemorySessionGateStore } from '../../src/adapters/memory/memorySessionGateStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { sessionScopedStores } from '../../src/core/sessionScopedStores';
import { anyState } from '../support/anyState';
import { unitTransaction } from '../support/pipelineWorld';

function counting<T extends object>(target: T, methods: Array<keyof T>): { proxy: T; calls: Record<string, number> } {
    const calls: Record<string, number> = {};
    const proxy = new Proxy(target, {
        get(t, name, receiver) {
            const value = Reflect.get(t, name, receiver);
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => {
                if (methods.includes(name as keyof T)) calls[String(name)] = (calls[String(name)] ?? 0) + 1;
                return value.apply(t, args);
            };
        },
    });
    return { proxy, calls };
}

describe('sessionScopedStores', () => {
    it('reads a transaction once per message, sees its own updates, and hands out copies', async () => {
        const inner = new MemoryTransactionStore();
        const t = unitTransaction('A', 'reservation', 1);
        await inner.recordAccepted(t, t.acceptedAt);
        const { proxy, calls } = counting(inner, ['get', 'updateState']);
        const { store } = sessionScopedStores(proxy, new MemorySessionGateStore());
        const first = await store.get(t.transactionId);
        expect(first?.state).toBe('queued');
        if (first) first.state = 'confirmed'; // a caller changing what it got must not change what is remembered
        expect((await store.get(t.transactionId))?.state).toBe('queued');
        await store.updateState(
            t.transactionId,
            { from: anyState, state: 'processing', attempts: 1 },
            '2026-11-10T08:01:00Z',
        );
        expect(await store.get(t.transactionId)).toMatchObject({ state: 'processing', attempts: 1 });
        expect(calls).toEqual({ get: 1, updateState: 1 });
        // A fresh scope (the next message) reads the store again.
        const next = sessionScopedStores(proxy, new MemorySessionGateStore());
        expect((await next.store.get(t.transactionId))?.state).toBe('processing');
        expect(calls.get).toBe(2);
    });

    it('writes a gate only when it changed', async () => {
        const { proxy, calls } = counting(new MemorySessionGateStore(), ['put']);
        const { gates } = sessionScopedStores(new MemoryTransactionStore(), proxy);
        const gate = await gates.get('unit-A');
        const save = async () => {
            gate.version = await gates.put(gate);
        };
        await save();
        expect(calls.put).toBeUndefined();
        gate.held.push('t2');
        await save();
        await save();
        expect(calls.put).toBe(1);
        gate.held = [];
        await save();
        expect(calls.put).toBe(2);
        expect(await proxy.get('unit-A')).toEqual({
            sessionId: 'unit-A',
            blockedBy: null,
            held: [],
            version: gate.version,
            backlog: [],
        });
    });
});
