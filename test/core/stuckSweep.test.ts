import { describe, expect, it } from 'vitest';
import { recordDeadLetter } from '../../src/core/deadLetter';
import { sweepStuckTransactions } from '../../src/core/stuckSweep';
import { silentLogger } from '../../src/ports/logger';
import { PipelineWorld, seedWorld, unitTransaction } from '../support/pipelineWorld';

const hour = 3_600_000;

async function world() {
    const w = new PipelineWorld({ stuckAfterMs: hour });
    await seedWorld(w);
    return w;
}

const sweep = (w: PipelineWorld) => sweepStuckTransactions({ ...w.deps, logger: silentLogger });
const state = async (w: PipelineWorld, id: string) => (await w.store.get(id))?.state;

describe('the stuck-transaction sweep', () => {
    it('sends a transaction whose message was lost to review after stuckAfterMs, blocking its unit, and a retry posts it', async () => {
        const w = await world();
        const lost = unitTransaction('A', 'reservation', 1);
        await w.accept(lost); // recorded and admitted, but its message never reached the queue
        w.nowMs += hour - 1;
        expect((await sweep(w)).escalating).toEqual([]);
        w.nowMs += 2;
        expect((await sweep(w)).escalating).toEqual([lost.transactionId]);
        await w.run();
        const record = await w.store.get(lost.transactionId);
        expect([record?.state, record?.lastFailure?.code, record?.lastFailure?.owner]).toEqual([
            'review',
            'STUCK',
            'integration',
        ]);
        expect((await w.gates.get('unit-A')).blockedBy).toBe(lost.transactionId);
        // A later transaction of the unit waits behind it, as behind any review item.
        const next = unitTransaction('A', 'instalment', 2);
        await w.send(next);
        await w.run();
        expect(await state(w, next.transactionId)).toBe('held');
        const { actOnReviewItem } = await import('../../src/core/reviewActions');
        await actOnReviewItem(lost.transactionId, { action: 'retry', by: 'ops' }, w.deps);
        await w.settle();
        expect(w.erp.books.postings.map((p) => p.integrationReference).slice(1)).toEqual([
            lost.transactionId,
            next.transactionId,
        ]);
    });

    it('leaves alone what waits on purpose: a unit held behind a review item, a retry not yet due, a moving one', async () => {
        const w = await world();
        const broken = { ...unitTransaction('B', 'reservation', 1), data: { buildingId: 'unknown-building' } };
        const held = unitTransaction('B', 'instalment', 2);
        await w.send(broken as typeof held);
        await w.send(held);
        await w.run();
        expect([await state(w, broken.transactionId), await state(w, held.transactionId)]).toEqual(['review', 'held']);
        let fails = 1;
        w.erp.failNext = () => fails-- > 0;
        const retrying = unitTransaction('C', 'reservation', 1);
        await w.send(retrying);
        await w.run();
        expect(await state(w, retrying.transactionId)).toBe('retrying');
        w.nowMs += hour + 1; // past stuckAfterMs, but not past it plus the retry's backoff cap (60 s here)
        expect((await sweep(w)).escalating).toEqual([]);
        // Its retry message lost: a minute later it counts as stuck.
        w.queue.splice(0);
        w.nowMs += 60_001;
        expect((await sweep(w)).escalating).toEqual([retrying.transactionId]);
    });

    it('does nothing in the session when the transaction moved after the sweep looked', async () => {
        const w = await world();
        const t = unitTransaction('D', 'reservation', 1);
        await w.accept(t);
        w.nowMs += hour + 1;
        await sweep(w);
        // Its message turns up after all, ahead of the escalation in the session.
        w.queue.unshift({
            seq: 0,
            message: { messageId: t.transactionId, sessionId: t.sessionId, body: t },
            visibleAt: 0,
        });
        await w.run();
        expect(await state(w, t.transactionId)).toBe('confirmed');
        expect((await w.gates.get('unit-D')).blockedBy).toBeNull();
    });
});

describe('the last delivery of a message that keeps failing', () => {
    it('marks the transaction it was moving dead-lettered and blocks its unit; never one already confirmed', async () => {
        const w = await world();
        const t = unitTransaction('E', 'reservation', 1);
        await w.accept(t);
        const message = { kind: 'transaction' as const, envelope: t };
        expect(await recordDeadLetter('unit-E', message, new Error('store unreachable'), 10, w.deps)).toBe(
            t.transactionId,
        );
        const record = await w.store.get(t.transactionId);
        expect([record?.state, record?.lastFailure?.code]).toEqual(['deadLettered', 'DEAD_LETTERED']);
        expect(record?.lastFailure?.message).toBe('dead-lettered after 10 deliveries while queued: store unreachable');
        expect((await w.gates.get('unit-E')).blockedBy).toBe(t.transactionId);

        const done = unitTransaction('F', 'reservation', 1);
        await w.send(done);
        await w.run();
        expect(await state(w, done.transactionId)).toBe('confirmed');
        const drain = { kind: 'control' as const, control: { control: 'drain' as const } };
        expect(await recordDeadLetter('unit-F', drain, new Error('x'), 10, w.deps)).toBeUndefined();
        expect(
            await recordDeadLetter('unit-F', { kind: 'transaction', envelope: done }, new Error('x'), 10, w.deps),
        ).toBeUndefined();
        expect(await state(w, done.transactionId)).toBe('confirmed');
        expect((await w.gates.get('unit-F')).blockedBy).toBeNull();
    });

    it('marks the target of a dead-lettered retry, which nothing would move any more', async () => {
        const w = await world();
        let fails = 1;
        w.erp.failNext = () => fails-- > 0;
        const t = unitTransaction('G', 'reservation', 1);
        await w.send(t);
        await w.run();
        expect(await state(w, t.transactionId)).toBe('retrying');
        const retry = {
            kind: 'control' as const,
            control: { control: 'retry' as const, transactionId: t.transactionId },
        };
        await recordDeadLetter('unit-G', retry, new Error('x'), 10, w.deps);
        expect(await state(w, t.transactionId)).toBe('deadLettered');
    });
});
