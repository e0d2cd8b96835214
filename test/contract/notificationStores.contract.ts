import { describe, expect, it } from 'vitest';
import type { Alert, AlertStore } from '../../src/ports/alertStore';
import type { Notice, NoticeStore } from '../../src/ports/noticeStore';

export const notice = (key: string, createdAt: string, state: Notice['state'] = 'pending'): Notice => ({
    key,
    unitId: key.split(':')[0] ?? key,
    unitCode: `MARINA-T1-${key}`,
    readyOn: '2026-12-01',
    ownerId: 'c-1',
    state,
    attempts: 0,
    createdAt,
    updatedAt: createdAt,
    version: 0,
});

export const alert = (id: string, groupKey: string, firstAt: string, state: Alert['state'] = 'open'): Alert => ({
    id,
    groupKey,
    title: 'receipt in review: LOOKUP_MISSING',
    point: 'erpPosting',
    failureClass: 'defect',
    code: 'LOOKUP_MISSING',
    owner: 'integration',
    contact: 'integration',
    action: 'Fix the mapping row',
    samples: ['receipt RCT-1 (unit MARINA-T1-1203)'],
    count: 1,
    firstAt,
    lastAt: firstAt,
    state,
    level: 0,
    levelSince: firstAt,
    email: true,
    postedCount: 0,
    version: 0,
});

/** What the notification code relies on from any NoticeStore. */
export function noticeStoreContract(name: string, create: () => Promise<NoticeStore>): void {
    describe(`NoticeStore: ${name}`, () => {
        it('creates once, keyed by handover', async () => {
            const store = await create();
            expect(await store.create(notice('u1:2026-12-01', '2026-11-10T09:00:00Z'))).toBe('created');
            expect(await store.create({ ...notice('u1:2026-12-01', 'later'), ownerId: 'other' })).toBe('exists');
            expect((await store.get('u1:2026-12-01'))?.ownerId).toBe('c-1');
            expect(await store.get('missing')).toBeUndefined();
        });

        it('replaces only against the version read: a second writer with the same version loses', async () => {
            const store = await create();
            await store.create(notice('u2:2026-12-01', '2026-11-10T09:00:00Z'));
            const read = await store.get('u2:2026-12-01');
            if (!read) throw new Error('not stored');
            expect(await store.replace({ ...read, state: 'sending', attempts: 1 }, read.version)).toBe(true);
            expect(await store.replace({ ...read, state: 'sending', attempts: 1 }, read.version)).toBe(false);
            expect(await store.get('u2:2026-12-01')).toMatchObject({ state: 'sending', attempts: 1, version: 1 });
            expect(await store.replace({ ...read, key: 'missing' }, 0)).toBe(false);
        });

        it('lists newest first; openOnly leaves out sent and failed', async () => {
            const store = await create();
            await store.create(notice('a:1', '2026-11-10T09:00:00Z', 'sent'));
            await store.create(notice('b:1', '2026-11-10T09:01:00Z', 'pending'));
            await store.create(notice('c:1', '2026-11-10T09:02:00Z', 'retrying'));
            await store.create(notice('d:1', '2026-11-10T09:03:00Z', 'failed'));
            await store.create(notice('e:1', '2026-11-10T09:04:00Z', 'sending'));
            expect((await store.list({ max: 10 })).map((n) => n.key)).toEqual(['e:1', 'd:1', 'c:1', 'b:1', 'a:1']);
            expect((await store.list({ openOnly: true, max: 10 })).map((n) => n.key)).toEqual(['e:1', 'c:1', 'b:1']);
            expect((await store.list({ max: 2 })).map((n) => n.key)).toEqual(['e:1', 'd:1']);
        });
    });
}

/** What the notification code relies on from any AlertStore. */
export function alertStoreContract(name: string, create: () => Promise<AlertStore>): void {
    describe(`AlertStore: ${name}`, () => {
        it('creates once, finds the unresolved alert of a group, and compares versions on replace', async () => {
            const store = await create();
            expect(
                await store.create(alert('a1', 'erpPosting|defect|X|receipt', '2026-11-10T09:00:00Z', 'resolved')),
            ).toBe('created');
            expect(await store.create(alert('a2', 'erpPosting|defect|X|receipt', '2026-11-10T10:00:00Z'))).toBe(
                'created',
            );
            expect(await store.create(alert('a2', 'other', '2026-11-10T10:00:00Z'))).toBe('exists');
            expect((await store.findUnresolved('erpPosting|defect|X|receipt'))?.id).toBe('a2');
            expect(await store.findUnresolved('nothing')).toBeUndefined();
            const a2 = await store.get('a2');
            if (!a2) throw new Error('not stored');
            expect(await store.replace({ ...a2, state: 'acknowledged', acknowledgedBy: 'ops' }, 0)).toBe(true);
            expect(await store.replace({ ...a2, count: 99 }, 0)).toBe(false);
            expect(await store.get('a2')).toMatchObject({ state: 'acknowledged', count: 1, version: 1 });
            expect((await store.findUnresolved('erpPosting|defect|X|receipt'))?.state).toBe('acknowledged');
        });

        it('lists newest first, optionally without the resolved', async () => {
            const store = await create();
            await store.create(alert('x1', 'g1', '2026-11-10T09:00:00Z', 'resolved'));
            await store.create(alert('x2', 'g2', '2026-11-10T09:05:00Z'));
            await store.create(alert('x3', 'g3', '2026-11-10T09:10:00Z', 'acknowledged'));
            expect((await store.list({ max: 10 })).map((a) => a.id)).toEqual(['x3', 'x2', 'x1']);
            expect((await store.list({ unresolvedOnly: true, max: 10 })).map((a) => a.id)).toEqual(['x3', 'x2']);
        });

        it('counts a member once per scope, with keys Table Storage would refuse escaped', async () => {
            const store = await create();
            expect(await store.addMember('a/1', 'tx#1?')).toBe(true);
            expect(await store.addMember('a/1', 'tx#1?')).toBe(false);
            expect(await store.addMember('a/2', 'tx#1?')).toBe(true);
            expect(await store.hasMember('a/1', 'tx#1?')).toBe(true);
            expect(await store.hasMember('a/1', 'tx#2')).toBe(false);
            await store.addMember('a/1', 'tx 3');
            expect([...(await store.listMembers('a/1'))].sort()).toEqual(['tx 3', 'tx#1?']);
            expect(await store.listMembers('none')).toEqual(new Set());
        });

        it('adds many members in batches, each once, even when some exist and the list repeats one', async () => {
            const store = await create();
            const many = Array.from({ length: 250 }, (_, i) => `tx-${i}`);
            expect(await store.addMember('storm', 'tx-7')).toBe(true);
            const added = await store.addMembers('storm', [...many, 'tx-3']);
            expect(added).toHaveLength(249);
            expect(added).not.toContain('tx-7');
            expect((await store.listMembers('storm')).size).toBe(250);
            expect(await store.addMembers('storm', many)).toEqual([]);
        });
    });
}
