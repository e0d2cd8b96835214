import { describe, expect, it } from 'vitest';
import { isGateConflictError, type SessionGateStore } from '../../src/ports/sessionGateStore';

let counter = 0;
const session = () => `unit-gate-${++counter}`;

/**
 * Behaviours every SessionGateStore must show (Table Storage on Azurite and the in-memory twin). `peer` gives another
 * process's view of the same store.
 */
export function runSessionGateStoreContract(
    name: string,
    factory: () => Promise<SessionGateStore>,
    peer: (store: SessionGateStore) => Promise<SessionGateStore> = async (store) => store,
): void {
    describe(`SessionGateStore contract: ${name}`, () => {
        it('answers an open gate without a version for a session never stored', async () => {
            const store = await factory();
            const id = session();
            expect(await store.get(id)).toEqual({ sessionId: id, blockedBy: null, held: [], backlog: [] });
        });

        it('stores a gate, answers its new version, and keeps an opened gate as open', async () => {
            const store = await factory();
            const id = session();
            const gate = await store.get(id);
            gate.blockedBy = 'tx-1';
            gate.held = ['tx-2', 'tx-3'];
            const first = await store.put(gate);
            expect(first).toEqual(expect.any(String));
            expect(await store.get(id)).toEqual({
                sessionId: id,
                blockedBy: 'tx-1',
                held: ['tx-2', 'tx-3'],
                version: first,
                backlog: [],
            });
            const opened = await store.put({ sessionId: id, blockedBy: null, held: [], version: first });
            expect(opened).not.toBe(first);
            expect(await store.get(id)).toEqual({
                sessionId: id,
                blockedBy: null,
                held: [],
                version: opened,
                backlog: [],
            });
        });

        it('refuses a write under a version another writer has replaced, and changes nothing', async () => {
            const store = await factory();
            const other = await peer(store);
            const id = session();
            const version = await store.put({ sessionId: id, blockedBy: 'tx-1', held: [] });
            const mine = await store.get(id);
            const theirs = await other.get(id);
            expect(theirs.version).toBe(version);
            const next = await other.put({ ...theirs, blockedBy: null, held: ['tx-9'] });
            const error = await store.put({ ...mine, held: ['tx-2'] }).catch((e: unknown) => e);
            expect(isGateConflictError(error)).toBe(true);
            expect(error).toMatchObject({ code: 'GATE_CONFLICT', sessionId: id });
            expect(await store.get(id)).toEqual({
                sessionId: id,
                blockedBy: null,
                held: ['tx-9'],
                version: next,
                backlog: [],
            });
        });

        it('lets only the first of two writers create a gate that was never stored', async () => {
            const store = await factory();
            const other = await peer(store);
            const id = session();
            const results = await Promise.allSettled([
                store.put({ sessionId: id, blockedBy: 'tx-a', held: [] }),
                other.put({ sessionId: id, blockedBy: 'tx-b', held: [] }),
            ]);
            expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
            const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
            expect(isGateConflictError(lost.reason)).toBe(true);
            expect(['tx-a', 'tx-b']).toContain((await store.get(id)).blockedBy);
        });

        it('never gives a version twice, so a writer cannot take an opened and re-blocked gate for the one it read', async () => {
            const store = await factory();
            const id = session();
            const v1 = await store.put({ sessionId: id, blockedBy: 'tx-1', held: [] });
            const stale = await store.get(id);
            const v2 = await store.put({ ...stale, blockedBy: null });
            const v3 = await store.put({ sessionId: id, blockedBy: 'tx-1', held: [], version: v2 });
            expect(new Set([v1, v2, v3]).size).toBe(3);
            await expect(store.put({ ...stale, held: ['late'] })).rejects.toMatchObject({ code: 'GATE_CONFLICT' });
        });

        it('keeps the backlog in key order beside the gate: admitted once, read with the gate, released when done', async () => {
            const store = await factory();
            const other = await peer(store);
            const id = session();
            const entry = (at: string, tx: string) => ({
                key: `2026-11-10T09:00:0${at}.000Z|${tx}`,
                transactionId: tx,
            });
            await store.admit(id, entry('3', 'tx-c'));
            await other.admit(id, entry('1', 'tx-a/1#?'));
            await store.admit(id, entry('2', 'tx-b'));
            await store.admit(id, entry('2', 'tx-b')); // Dataverse's retry of the same event: admitted once
            const version = await store.put({ sessionId: id, blockedBy: 'tx-a/1#?', held: [] });
            expect(await other.get(id)).toEqual({
                sessionId: id,
                blockedBy: 'tx-a/1#?',
                held: [],
                version,
                backlog: [entry('1', 'tx-a/1#?'), entry('2', 'tx-b'), entry('3', 'tx-c')],
            });
            await other.release(id, entry('1', 'tx-a/1#?').key);
            await store.release(id, entry('1', 'tx-a/1#?').key); // released twice: nothing to do
            await store.release(id, 'never-admitted|tx-z');
            // The gate's version is the gate's: backlog rows coming and going do not change it.
            const after = await store.get(id);
            expect([after.version, after.backlog.map((e) => e.transactionId)]).toEqual([version, ['tx-b', 'tx-c']]);
            expect((await store.get(session())).backlog).toEqual([]);
        });
    });
}
