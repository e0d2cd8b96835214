import { describe, expect, it } from 'vitest';
import { MemoryConditionStore } from '../../src/adapters/memory/memoryConditionStore';
import { cachingAbsentConditions } from '../../src/core/conditionReadCache';
import type { Condition, ConditionStore } from '../../src/ports/conditionStore';

const frozen: Omit<Condition, 'status'> = {
    key: 'period 2026-11 frozen',
    kind: 'period',
    owner: 'finance',
    since: '2026-11-30T10:00:00Z',
    details: { period: '2026-11' },
};

function setup() {
    let now = Date.parse('2026-11-30T10:00:00Z');
    const inner = new MemoryConditionStore();
    let reads = 0;
    const counted: ConditionStore = {
        get: (key) => {
            reads++;
            return inner.get(key);
        },
        open: (c) => inner.open(c),
        listActive: () => inner.listActive(),
        clear: (key, at) => inner.clear(key, at),
        markProbed: (key, at) => inner.markProbed(key, at),
        addParkedSession: (key, id) => inner.addParkedSession(key, id),
        parkedSessions: (key) => inner.parkedSessions(key),
        removeParkedSession: (key, id) => inner.removeParkedSession(key, id),
    };
    const cache = cachingAbsentConditions(counted, { now: () => new Date(now) }, 2_000);
    return { inner, cache, reads: () => reads, advance: (ms: number) => (now += ms) };
}

describe('cachingAbsentConditions', () => {
    it('remembers that a condition does not stand for the TTL, then asks again', async () => {
        const t = setup();
        expect(await t.cache.get(frozen.key)).toBeUndefined();
        expect(await t.cache.get(frozen.key)).toBeUndefined();
        expect(t.reads()).toBe(1);
        // Opened by another instance: seen once the TTL has passed.
        await t.inner.open(frozen);
        t.advance(2_001);
        expect((await t.cache.get(frozen.key))?.status).toBe('active');
        expect(t.reads()).toBe(2);
    });

    it('never remembers a standing condition: one cleared elsewhere is seen at the next read', async () => {
        const t = setup();
        await t.inner.open(frozen);
        expect((await t.cache.get(frozen.key))?.status).toBe('active');
        await t.inner.clear(frozen.key, '2026-11-30T10:05:00Z');
        expect((await t.cache.get(frozen.key))?.status).toBe('cleared');
        expect(t.reads()).toBe(2);
    });

    it('forgets at once what this process opens', async () => {
        const t = setup();
        expect(await t.cache.get(frozen.key)).toBeUndefined();
        await t.cache.open(frozen);
        expect((await t.cache.get(frozen.key))?.status).toBe('active');
        expect((await t.cache.listActive()).map((c) => c.key)).toEqual([frozen.key]);
    });
});
