import { describe, expect, it } from 'vitest';
import { crmUnavailableKey } from '../../src/core/conditionKeys';
import { shortReason } from '../../src/core/crmSync';
import { actOnReviewItem } from '../../src/core/reviewActions';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { PipelineWorld, seedWorld, unitTransaction } from '../support/pipelineWorld';

async function world() {
    const w = new PipelineWorld({ probeIntervalMs: 60_000 });
    await seedWorld(w);
    return w;
}
const states = async (w: PipelineWorld, txs: TransactionEnvelope[]) =>
    Promise.all(txs.map(async (t) => (await w.store.get(t.transactionId))?.state));
const postedKeys = (w: PipelineWorld) => w.erp.books.postings.map((p) => p.integrationReference).slice(1);
const rowOf = (w: PipelineWorld, t: TransactionEnvelope) =>
    w.crmWrites.filter((r) => r.recordId === t.source.recordId).at(-1)?.fields;

describe('the CRM sync, a step of its own after the ERP posting', () => {
    it('keeps posting to the ERP through a Dataverse outage, nothing in review, then writes every row back in order with no second ERP post', async () => {
        const w = await world();
        const txs = ['A', 'B'].flatMap((u) => [
            unitTransaction(u, 'reservation', 1),
            unitTransaction(u, 'instalment', 2),
            unitTransaction(u, 'receipt', 3),
        ]);
        w.crmDown = true;
        for (const t of txs) await w.send(t);
        await w.run();
        // The ERP has everything; the CRM nothing; nothing waits for a person.
        expect(postedKeys(w)).toEqual(txs.map((t) => t.transactionId));
        expect(await states(w, txs)).toEqual(txs.map(() => 'posted'));
        const [condition] = await w.conditions.listActive();
        expect([condition?.key, condition?.kind, condition?.owner]).toEqual([
            crmUnavailableKey,
            'crmUnavailable',
            'integration',
        ]);
        expect((await w.store.listByState('review', 10)).length).toBe(0);
        expect((await w.store.get(txs[0]?.transactionId ?? ''))?.lastFailure?.code).toBe('CRM_UNAVAILABLE');

        // While it stays down, each probe costs one write-back attempt, not one per unit.
        const calls = w.erp.calls;
        await w.probe();
        await w.run();
        expect(w.crmWrites).toEqual([]);

        w.crmDown = false;
        await w.settle();
        expect(await states(w, txs)).toEqual(txs.map(() => 'confirmed'));
        expect(w.erp.calls).toBe(calls); // no ERP call for any write-back
        expect(postedKeys(w)).toEqual(txs.map((t) => t.transactionId));
        for (const unit of ['A', 'B']) {
            const order = w.crmWrites.map((r) => r.recordId).filter((id) => id.includes(`-${unit}-`));
            expect(order).toEqual(txs.filter((t) => t.sessionId === `unit-${unit}`).map((t) => t.source.recordId));
        }
        expect(rowOf(w, txs[0] as TransactionEnvelope)).toMatchObject({
            re_erpsyncstatus: 'posted',
            re_erpsyncerror: null,
        });
        expect(await w.conditions.listActive()).toEqual([]);
    });

    it('tells the CRM row why a transaction has not reached the ERP: parked, in review, and then posted', async () => {
        const w = await world();
        w.erp.books.periods.set('2026-11', 'frozen');
        const parked = unitTransaction('C', 'reservation', 1);
        await w.send(parked);
        await w.run();
        expect(rowOf(w, parked)).toMatchObject({
            re_erpsyncstatus: 'parked',
            re_erpsyncerror: 'ERP_PERIOD_FROZEN: period 2026-11 frozen; owner finance',
        });
        w.erp.books.periods.set('2026-11', 'open');
        await w.settle();
        expect(rowOf(w, parked)).toMatchObject({ re_erpsyncstatus: 'posted', re_erpsyncerror: null });

        const broken = { ...unitTransaction('D', 'reservation', 1), data: { buildingId: 'unknown-building' } };
        await w.send(broken as TransactionEnvelope);
        await w.run();
        expect(rowOf(w, broken as TransactionEnvelope)).toMatchObject({
            re_erpsyncstatus: 'review',
            re_erpsyncerror: 'MAP_FIELD_MISSING (reservationNumber); owner integration',
        });
        await actOnReviewItem(
            broken.transactionId,
            { action: 'resolve', by: 'ops', erpReference: 'ERP-BY-HAND' },
            w.deps,
        );
        await w.run();
        expect(rowOf(w, broken as TransactionEnvelope)).toMatchObject({
            re_erpsyncstatus: 'resolved',
            re_erppostingid: 'ERP-BY-HAND',
        });
    });

    it('sends a posted transaction whose row Dataverse refuses for good to review, without holding the unit in the ERP', async () => {
        const w = await world();
        const gone = unitTransaction('E', 'reservation', 1);
        const next = unitTransaction('E', 'instalment', 2);
        w.crmGone.add(gone.source.recordId);
        await w.send(gone);
        await w.send(next);
        await w.run();
        expect(postedKeys(w)).toEqual([gone.transactionId, next.transactionId]);
        const record = await w.store.get(gone.transactionId);
        expect([record?.state, record?.lastFailure?.class, record?.lastFailure?.code]).toEqual([
            'review',
            'defect',
            'CRM_REQUEST_REJECTED',
        ]);
        expect(await states(w, [next])).toEqual(['confirmed']);
        // A retry once the row is back writes it, and posts nothing again.
        w.crmGone.clear();
        await actOnReviewItem(gone.transactionId, { action: 'retry', by: 'ops' }, w.deps);
        await w.settle();
        expect(await states(w, [gone])).toEqual(['confirmed']);
        expect(postedKeys(w)).toEqual([gone.transactionId, next.transactionId]);
    });

    it('never writes free text into the row: only the code, the condition and the owner', () => {
        expect(
            shortReason({
                class: 'defect',
                code: 'ERP_VALIDATION_FAILED',
                message: 'ERP answered 400: email jane@example.com is invalid',
                owner: 'integration',
                details: { field: 'email' },
            }),
        ).toBe('ERP_VALIDATION_FAILED (email); owner integration');
    });
});
