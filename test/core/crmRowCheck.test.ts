import { describe, expect, it } from 'vitest';
import { acceptEvent } from '../../src/core/intake';
import { actOnReviewItem } from '../../src/core/reviewActions';
import { backlogEntry } from '../../src/core/sessionBacklog';
import type { NormalizedAttributes } from '../../src/dataverse/normalizedEvent';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { CrmUnavailableError } from '../../src/ports/crmErrors';
import { normalizedEvent } from '../support/events';
import { PipelineWorld, seedWorld, unitTransaction } from '../support/pipelineWorld';

const reservationId = '5e5e5e5e-0000-4000-8000-000000000001';
const unitId = 'aaaaaaaa-0000-4000-8000-000000000002';
const buyerId = 'bbbbbbbb-0000-4000-8000-000000000003';
const ref = (logicalName: string, id: string) => ({ logicalName, id, name: null });

/** The reservation row as Dataverse holds it, at a version. */
const row = (version: number, over: NormalizedAttributes = {}): NormalizedAttributes => ({
    re_reservationid: reservationId,
    re_name: 'RSV-000123',
    re_unitid: ref('re_unit', unitId),
    re_buyerid: ref('contact', buyerId),
    re_value: 1_250_000,
    re_bookingamount: 125_000,
    re_reservedon: '2026-11-02T08:00:00.000Z',
    re_status: 100000000,
    versionnumber: version,
    modifiedon: `2026-11-10T08:${String(version % 60).padStart(2, '0')}:00.000Z`,
    ...over,
});

/** A world whose CRM knows the unit, its building and project, and whose ERP knows the buyer. */
async function world(): Promise<PipelineWorld> {
    const w = new PipelineWorld();
    await seedWorld(w);
    w.erp.books.apply(
        'customers',
        buyerId,
        'seed-buyer-2',
        { sourceRecordId: buyerId, integrationReference: 'seed', postingDate: '2026-10-01', customerRef: buyerId },
        'seed',
    );
    w.crmRows.set(`re_unit/${unitId}`, { re_code: 'MARINA-T1-1203', re_buildingid: 'b1' });
    w.crmRows.set('re_building/b1', { re_projectid: 'p1' });
    w.crmRows.set('re_project/p1', { re_currencycode: 'AED' });
    return w;
}

/** The webhook of a change to the reservation, as Dataverse sends it (whole row as Target: a Create). */
function event(attributes: NormalizedAttributes, message = 'Create') {
    return normalizedEvent({
        entity: 're_reservation',
        recordId: reservationId,
        messageName: message,
        target: attributes,
        rowVersion: String(attributes.versionnumber),
    });
}

async function acceptBad(w: PipelineWorld, attributes = row(101, { re_reservedon: null })) {
    const outcome = await acceptEvent(event(attributes), w.deps);
    if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(outcome)}`);
    return outcome;
}

/** A later transaction of the same unit (a receipt), accepted after the bad row. */
async function laterReceipt(w: PipelineWorld): Promise<TransactionEnvelope> {
    const receipt = {
        ...unitTransaction('1203', 'receipt', 2, { date: '2026-11-10T08:30:00.000Z' }),
        sessionId: `unit-${unitId}`,
        acceptedAt: '2026-11-10T09:00:01.000Z',
    };
    receipt.data.reservationNumber = 'RSV-000123';
    await w.store.recordAccepted(receipt, receipt.acceptedAt);
    await w.gates.admit(receipt.sessionId, backlogEntry(receipt));
    await w.send(receipt);
    return receipt;
}

describe('a CRM row the map cannot read', () => {
    it('is kept, holds its unit, and fails as a defect for the table owner, with the column as evidence and no ERP call', async () => {
        const w = await world();
        const bad = await acceptBad(w);
        expect(bad.invalid).toEqual({
            code: 'FIELD_REQUIRED',
            field: 're_reservation.re_reservedon',
            reason: 'is required but is empty',
        });
        expect(bad.sessionId).toBe(`unit-${unitId}`);
        const receipt = await laterReceipt(w);
        await w.settle();

        const record = await w.store.get(bad.transactionId);
        expect(record?.state).toBe('review');
        expect(record?.lastFailure).toEqual({
            class: 'defect',
            code: 'CRM_ROW_INVALID',
            message:
                're_reservation.re_reservedon is required but is empty; fix the row in the CRM, then retry: the retry reads the row again',
            owner: 'salesOperations',
            details: {
                table: 're_reservation',
                field: 're_reservation.re_reservedon',
                reason: 'is required but is empty',
                mapping: 'FIELD_REQUIRED',
            },
        });
        expect(w.erp.calls).toBe(0);
        expect((await w.store.get(receipt.transactionId))?.state).toBe('held');
        expect((await w.gates.get(bad.sessionId)).blockedBy).toBe(bad.transactionId);
        const trail = await w.store.listAudit(bad.transactionId);
        expect(trail.map((a) => [a.action, a.outcome])).toContainEqual(['map', 'failed']);
    });

    it('on a review retry, is read again and mapped with the current map, posted under its own key and version, and its unit moves on', async () => {
        const w = await world();
        const bad = await acceptBad(w);
        const receipt = await laterReceipt(w);
        await w.settle();
        let reads = 0;
        const retrieve = w.deps.crm.retrieve;
        w.deps.crm.retrieve = (entity, id, columns) => {
            if (entity === 're_reservation') reads++;
            return retrieve(entity, id, columns);
        };
        // Someone fixed the row in the CRM.
        w.crmRows.set(`re_reservation/${reservationId}`, row(107));
        await actOnReviewItem(bad.transactionId, { action: 'retry', by: 'ops@contoso' }, w.deps);
        await w.settle();

        const record = await w.store.get(bad.transactionId);
        expect(record?.state).toBe('confirmed');
        expect(record?.envelope.invalid).toBeUndefined();
        expect(record?.envelope.transactionId).toBe(bad.transactionId);
        expect(record?.envelope.source.version).toBe('107');
        expect(record?.envelope.data).toMatchObject({
            reservedOn: '2026-11-02T08:00:00.000Z',
            unitCode: 'MARINA-T1-1203',
        });
        const posted = w.erp.books.postings.filter((p) => p.type === 'reservations');
        expect(posted.map((p) => p.idempotencyKey)).toEqual([bad.transactionId]);
        expect(reads).toBe(1);
        expect((await w.store.listAudit(bad.transactionId)).map((a) => [a.action, a.outcome])).toContainEqual([
            'reread',
            'ok',
        ]);
        expect((await w.store.get(receipt.transactionId))?.state).toBe('confirmed');
    });

    it('goes back to review with the new reason when the row is still wrong, still without an ERP call', async () => {
        const w = await world();
        const bad = await acceptBad(w);
        await w.settle();
        w.crmRows.set(`re_reservation/${reservationId}`, row(104, { re_bookingamount: 'AED 12,500' }));
        await actOnReviewItem(bad.transactionId, { action: 'retry', by: 'ops@contoso' }, w.deps);
        await w.settle();
        const record = await w.store.get(bad.transactionId);
        expect(record?.state).toBe('review');
        expect(record?.lastFailure?.details).toMatchObject({
            field: 're_reservation.re_bookingamount',
            reason: 'expected a Money value, got text of 10 characters',
        });
        expect(record?.envelope.invalid?.field).toBe('re_reservation.re_bookingamount');
        expect(record?.envelope.source.version).toBe('104');
        expect(w.erp.calls).toBe(0);
    });

    it('goes back to review when the row no longer exists, and retries by itself (counted) while Dataverse cannot answer', async () => {
        const w = await world();
        const bad = await acceptBad(w);
        await w.settle();
        await actOnReviewItem(bad.transactionId, { action: 'retry', by: 'ops@contoso' }, w.deps);
        await w.settle();
        expect((await w.store.get(bad.transactionId))?.lastFailure?.message).toBe(
            `re_reservation ${reservationId} no longer exists in Dataverse: nothing to post; discard it`,
        );

        w.deps.crm.retrieve = async () => {
            throw new CrmUnavailableError('GET re_reservations: 503');
        };
        await actOnReviewItem(bad.transactionId, { action: 'retry', by: 'ops@contoso' }, w.deps);
        await w.run();
        const record = await w.store.get(bad.transactionId);
        expect([record?.state, record?.lastFailure?.code, record?.attempts]).toEqual([
            'retrying',
            'CRM_READ_FAILED',
            1,
        ]);
        expect(w.erp.calls).toBe(0);
    });

    it('a bad Delete cannot be read again: its retry says to cancel by hand and resolve, not to discard', async () => {
        const w = await world();
        const deleted = normalizedEvent({
            entity: 're_reservation',
            recordId: reservationId,
            messageName: 'Delete',
            target: null,
            preImages: { PreImage: row(101, { re_name: null }) },
        });
        const outcome = await acceptEvent(deleted, w.deps);
        expect(outcome.kind === 'accepted' && outcome.invalid?.field).toBe('re_reservation.re_name');
        await w.settle();
        if (outcome.kind !== 'accepted') return;
        await actOnReviewItem(outcome.transactionId, { action: 'retry', by: 'ops@contoso' }, w.deps);
        await w.settle();
        const record = await w.store.get(outcome.transactionId);
        expect(record?.state).toBe('review');
        expect(record?.lastFailure?.message).toMatch(/was deleted and cannot be read again: make the cancellation/);
        expect(w.erp.calls).toBe(0);
    });

    it('posts once: the event of the fix, held behind it with the same version, is not applied again', async () => {
        const w = await world();
        const bad = await acceptBad(w);
        await w.settle();
        // The fix in the CRM fires its own webhook: another transaction of the same row, held behind the bad one.
        w.nowMs += 60_000;
        w.crmRows.set(`re_reservation/${reservationId}`, row(107));
        const fix = await acceptEvent(
            event({ re_reservedon: '2026-11-02T08:00:00.000Z', versionnumber: 107 }, 'Update'),
            w.deps,
        );
        expect(fix.kind).toBe('accepted');
        await w.settle();
        await actOnReviewItem(bad.transactionId, { action: 'retry', by: 'ops@contoso' }, w.deps);
        await w.settle();
        expect((await w.store.get(bad.transactionId))?.state).toBe('confirmed');
        expect(fix.kind === 'accepted' && (await w.store.get(fix.transactionId))?.state).toBe('stale');
        expect(w.erp.books.postings.filter((p) => p.type === 'reservations')).toHaveLength(1);
    });

    it('whose unit column is what failed, still holds the unit its earlier transactions went through', async () => {
        const w = await world();
        const first = await acceptEvent(event(row(101)), w.deps);
        expect(first.kind === 'accepted' && first.sessionId).toBe(`unit-${unitId}`);
        const bad = await acceptBad(w, row(102, { re_unitid: true }));
        expect(bad.sessionId).toBe(`unit-${unitId}`);
        expect(bad.invalid?.field).toBe('re_reservation.re_unitid');
    });

    it('is the only kind of transaction that reads the CRM before its attempt: a mapped one goes straight to the ERP', async () => {
        const w = await world();
        const good = await acceptEvent(event(row(101)), w.deps);
        expect(good.kind).toBe('accepted');
        let reads = 0;
        const retrieve = w.deps.crm.retrieve;
        w.deps.crm.retrieve = (entity, id, columns) => {
            reads++;
            return retrieve(entity, id, columns);
        };
        await w.settle();
        expect(good.kind === 'accepted' && (await w.store.get(good.transactionId))?.state).toBe('confirmed');
        expect(reads).toBe(0);
    });
});
