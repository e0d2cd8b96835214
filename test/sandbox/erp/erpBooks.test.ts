import { beforeEach, describe, expect, it } from 'vitest';
import { ErpBooks, type KeyHandling, type Resource } from '../../../sandbox/erp/erpBooks';

const at = '2026-11-20T10:00:00.000Z';
let books: ErpBooks;
let keys = 0;
const key = () => `key-${++keys}`;

/** A write as our integration sends it: the body names the transaction, whose id is also the key. */
const apply = (
    resource: Resource,
    reference: string,
    idempotencyKey: string,
    body: Record<string, unknown>,
    when: string,
    handling?: KeyHandling,
) =>
    books.apply(resource, reference, idempotencyKey, { integrationReference: idempotencyKey, ...body }, when, handling);

function customer(ref = 'c-1', source = 'src-c-1') {
    return apply('customers', ref, key(), { sourceRecordId: source, postingDate: '2026-11-20', customerRef: ref }, at);
}

function reservationBody(number: string, extra: Record<string, unknown> = {}) {
    return {
        sourceRecordId: `src-${number}`,
        postingDate: '2026-11-20',
        reservationNumber: number,
        customerRef: 'c-1',
        unitCode: `unit-of-${number}`,
        buildingCode: 'MARINA-T1',
        value: 1_000_000,
        bookingAmount: 100_000,
        status: 'active',
        ...extra,
    };
}

function reservation(number = 'RSV-1', extra: Record<string, unknown> = {}, idempotencyKey = key()) {
    return apply('reservations', number, idempotencyKey, reservationBody(number, extra), at);
}

function instalment(id: string, dueDate: string, amount: number, extra: Record<string, unknown> = {}) {
    return apply(
        'instalments',
        id,
        key(),
        {
            sourceRecordId: `src-${id}`,
            postingDate: '2026-11-20',
            reservationNumber: 'RSV-1',
            dueDate,
            amount,
            ...extra,
        },
        at,
    );
}

function receipt(number: string, amount: number, extra: Record<string, unknown> = {}) {
    return apply(
        'receipts',
        number,
        key(),
        { sourceRecordId: `src-${number}`, postingDate: '2026-11-20', reservationNumber: 'RSV-1', amount, ...extra },
        at,
    );
}

function progress(percentComplete: number, period = '2026-11') {
    return apply(
        'construction-progress',
        `MARINA-T1/${period}`,
        key(),
        {
            sourceRecordId: `src-progress-${period}`,
            postingDate: `${period}-28`,
            buildingCode: 'MARINA-T1',
            percentComplete,
        },
        at,
    );
}

beforeEach(() => {
    books = new ErpBooks();
    keys = 0;
});

describe('idempotency, duplicates and amendments', () => {
    it('answers a replayed Idempotency-Key with the first answer and posts nothing again', () => {
        customer();
        const first = reservation('RSV-1', {}, 'tx-1');
        expect(first).toEqual({
            status: 201,
            body: { postingId: 'ERP-0000002', reference: 'RSV-1', status: 'created' },
            replayed: false,
        });
        // Even with a different body: the key decides, not the content.
        const again = reservation('RSV-1', { value: 5 }, 'tx-1');
        expect(again).toEqual({ ...first, replayed: true });
        expect(books.postings.map((p) => [p.seq, p.postingId, p.idempotencyKey, p.type, p.reference])).toEqual([
            [1, 'ERP-0000001', 'key-1', 'customers', 'c-1'],
            [2, 'ERP-0000002', 'tx-1', 'reservations', 'RSV-1'],
        ]);
        expect(books.reservation('RSV-1')?.value).toBe(1_000_000);
        expect(books.findByKey('tx-1')?.postingId).toBe('ERP-0000002');
        expect(books.findByKey('tx-unknown')).toBeUndefined();
    });

    it('rejects the same reference from another source record as DUPLICATE_REFERENCE, naming the holder', () => {
        customer();
        reservation('RSV-1');
        const clash = reservation('RSV-1', { sourceRecordId: 'src-someone-else' });
        expect(clash).toEqual({
            status: 409,
            body: {
                code: 'DUPLICATE_REFERENCE',
                message: 'RSV-1 already exists in the ERP',
                details: { reference: 'RSV-1', existingPostingId: 'ERP-0000002', existingSourceRecordId: 'src-RSV-1' },
            },
            replayed: false,
        });
        expect(books.postings).toHaveLength(2);
        expect(books.reservation('RSV-1')?.sourceRecordId).toBe('src-RSV-1');
    });

    it('refuses to reuse an Idempotency-Key for another record', () => {
        customer('c-1', 'src-c-1');
        const reused = apply('customers', 'c-2', 'key-1', { sourceRecordId: 'src-c-2', postingDate: '2026-11-20' }, at);
        expect(reused).toEqual({
            status: 422,
            body: {
                code: 'IDEMPOTENCY_KEY_REUSED',
                message: 'the Idempotency-Key was already used for another record',
                details: { idempotencyKey: 'key-1', usedFor: 'customers/c-1' },
            },
            replayed: false,
        });
        expect(books.postings).toHaveLength(1);
    });

    it('treats a unit code as a unique reference too', () => {
        const put = (source: string) =>
            apply('units', 'T1-0904', key(), { sourceRecordId: source, postingDate: '2026-11-20' }, at);
        expect([put('src-a').status, put('src-a').status, (put('src-b').body as { code?: string }).code]).toEqual([
            201,
            200,
            'DUPLICATE_REFERENCE',
        ]);
    });

    it('amends the same reference from the same source record: 200 updated, same postingId, posted again', () => {
        customer();
        reservation('RSV-1');
        const amended = reservation('RSV-1', { status: 'contracted', value: 1_100_000 });
        expect(amended).toEqual({
            status: 200,
            body: { postingId: 'ERP-0000002', reference: 'RSV-1', status: 'updated' },
            replayed: false,
        });
        expect(books.postings.map((p) => [p.seq, p.postingId, p.reference])).toEqual([
            [1, 'ERP-0000001', 'c-1'],
            [2, 'ERP-0000002', 'RSV-1'],
            [3, 'ERP-0000002', 'RSV-1'],
        ]);
        expect(books.reservation('RSV-1')).toMatchObject({ status: 'contracted', value: 1_100_000 });
    });
});

describe('an ERP that keeps no idempotency keys (keys ignored)', () => {
    it('posts a write sent twice twice: 200 updated, two ledger entries naming the same transaction', () => {
        customer();
        const first = apply('reservations', 'RSV-1', 'tx-1', reservationBody('RSV-1'), at, 'ignored');
        const again = apply('reservations', 'RSV-1', 'tx-1', reservationBody('RSV-1'), at, 'ignored');
        expect([first.status, again.status, again.replayed, again.body.status]).toEqual([201, 200, false, 'updated']);
        expect(books.findByReference('reservations', 'RSV-1').map((p) => [p.seq, p.integrationReference])).toEqual([
            [2, 'tx-1'],
            [3, 'tx-1'],
        ]);
        // The header it carried is still on each entry, so the ledger shows what was sent.
        expect(books.postings.slice(1).map((p) => p.idempotencyKey)).toEqual(['tx-1', 'tx-1']);
    });

    it('does not refuse a key reused for another record: it never looked at it', () => {
        customer('c-1', 'src-c-1');
        const other = apply(
            'customers',
            'c-2',
            'key-1',
            { sourceRecordId: 'src-c-2', postingDate: '2026-11-20' },
            at,
            'ignored',
        );
        expect(other.status).toBe(201);
        expect(books.postings.map((p) => p.reference)).toEqual(['c-1', 'c-2']);
    });

    it('forgets a removed record without forgetting another record that reused its key', () => {
        customer('c-1', 'src-c-1');
        apply('customers', 'c-2', 'key-1', { sourceRecordId: 'src-c-2', postingDate: '2026-11-20' }, at, 'ignored');
        expect(books.remove('customers', 'c-1')).toBe(true);
        expect(books.findByKey('key-1')?.reference).toBe('c-2');
        expect(books.remove('customers', 'c-2')).toBe(true);
        expect(books.findByKey('key-1')).toBeUndefined();
    });

    it('keeps the other rules: a reference from another source record is still a duplicate', () => {
        customer();
        apply('reservations', 'RSV-1', 'tx-1', reservationBody('RSV-1'), at, 'ignored');
        const clash = apply(
            'reservations',
            'RSV-1',
            'tx-2',
            { ...reservationBody('RSV-1'), sourceRecordId: 'src-other' },
            at,
            'ignored',
        );
        expect([clash.status, clash.body.code]).toEqual([409, 'DUPLICATE_REFERENCE']);
    });
});

describe('the look-up by business reference', () => {
    it('lists every posting of the record oldest first, amendments included, and nothing for another record', () => {
        customer();
        reservation('RSV-1', {}, 'tx-1');
        reservation('RSV-2', { unitCode: 'T1-2' }, 'tx-2');
        reservation('RSV-1', { status: 'contracted' }, 'tx-3');
        expect(
            books.findByReference('reservations', 'RSV-1').map((p) => [p.postingId, p.integrationReference]),
        ).toEqual([
            ['ERP-0000002', 'tx-1'],
            ['ERP-0000002', 'tx-3'],
        ]);
        expect(books.findByReference('customers', 'RSV-1')).toEqual([]);
    });

    it('refuses a write that does not name its transaction (no integrationReference)', () => {
        const answer = books.apply('customers', 'c-1', 'k', { sourceRecordId: 's', postingDate: '2026-11-20' }, at);
        expect([answer.status, answer.body.details]).toEqual([
            400,
            { errors: [{ field: 'integrationReference', reason: 'required' }] },
        ]);
        expect(books.postings).toEqual([]);
    });
});

describe('accounting periods', () => {
    it('refuses a posting into a frozen period, then accepts the same key once it is reopened', () => {
        books.periods.set('2026-11', 'frozen');
        const frozen = apply('customers', 'c-1', 'tx-c', { sourceRecordId: 's', postingDate: '2026-11-30' }, at);
        expect(frozen).toEqual({
            status: 422,
            body: {
                code: 'PERIOD_FROZEN',
                message: 'accounting period 2026-11 is frozen',
                details: { period: '2026-11' },
            },
            replayed: false,
        });
        expect(books.postings).toEqual([]);
        // Only accepted answers are remembered, so the retry under the same key is judged afresh.
        books.periods.set('2026-11', 'open');
        const reopened = apply('customers', 'c-1', 'tx-c', { sourceRecordId: 's', postingDate: '2026-11-30' }, at);
        expect([reopened.status, reopened.replayed, books.postings.length]).toEqual([201, false, 1]);
    });

    it('refuses a posting into a closed period, and only that period', () => {
        books.periods.set('2026-10', 'closed');
        const closed = apply('customers', 'c-1', key(), { sourceRecordId: 's', postingDate: '2026-10-31' }, at);
        expect(closed.status).toBe(422);
        expect(closed.body).toEqual({
            code: 'PERIOD_CLOSED',
            message: 'accounting period 2026-10 is closed',
            details: { period: '2026-10' },
        });
        expect(apply('customers', 'c-1', key(), { sourceRecordId: 's', postingDate: '2026-11-01' }, at).status).toBe(
            201,
        );
        expect([books.periodStatus('2026-10'), books.periodStatus('2026-11')]).toEqual(['closed', 'open']);
    });
});

describe('business rules', () => {
    it('holds a milestone instalment until the building reports enough construction progress', () => {
        customer();
        reservation('RSV-1');
        expect(instalment('INS-3', '2027-06-30', 300_000, { milestonePercent: 70 })).toEqual({
            status: 422,
            body: {
                code: 'MILESTONE_NOT_REACHED',
                message: 'MARINA-T1 is at 0%, the instalment needs 70%',
                details: { buildingCode: 'MARINA-T1', requiredPercent: 70, currentPercent: 0 },
            },
            replayed: false,
        });
        expect(progress(40).status).toBe(201);
        expect(instalment('INS-3', '2027-06-30', 300_000, { milestonePercent: 70 }).body).toMatchObject({
            details: { currentPercent: 40 },
        });
        expect(progress(72, '2026-12').status).toBe(201);
        // A late report for an earlier period does not take progress back...
        expect(progress(50, '2026-10').status).toBe(201);
        expect(books.progress('MARINA-T1')).toBe(72);
        // ...but a correction of the latest period replaces it.
        expect(progress(65, '2026-12').status).toBe(200);
        expect(instalment('INS-3', '2027-06-30', 300_000, { milestonePercent: 70 }).body).toMatchObject({
            details: { currentPercent: 65 },
        });
        expect(progress(71, '2027-01').status).toBe(201);
        expect(instalment('INS-3', '2027-06-30', 300_000, { milestonePercent: 70 }).status).toBe(201);
        expect(books.invoices.get('INS-3')).toEqual({
            instalmentId: 'INS-3',
            reservationNumber: 'RSV-1',
            dueDate: '2027-06-30',
            amount: 300_000,
            outstanding: 300_000,
            status: 'open',
        });
    });

    it('refuses a reservation before its customer', () => {
        expect(reservation('RSV-1').body).toEqual({
            code: 'DEPENDENCY_MISSING',
            message: 'the customer is not in the ERP yet',
            details: { dependsOn: 'customer', reference: 'c-1' },
        });
        expect(books.postings).toEqual([]);
    });

    it('refuses an instalment, receipt or commission before its reservation', () => {
        customer();
        const missing = {
            status: 422,
            body: {
                code: 'DEPENDENCY_MISSING',
                message: 'the reservation is not in the ERP yet',
                details: { dependsOn: 'reservation', reference: 'RSV-1' },
            },
            replayed: false,
        };
        expect(instalment('INS-1', '2027-01-01', 10)).toEqual(missing);
        expect(receipt('RCT-1', 10)).toEqual(missing);
        expect(
            apply(
                'commissions',
                'CLM-1',
                key(),
                { sourceRecordId: 's', postingDate: '2026-11-20', reservationNumber: 'RSV-1', sharePercent: 50 },
                at,
            ),
        ).toEqual(missing);
        expect(books.postings).toHaveLength(1);
    });

    it('allows one active reservation per unit until the first is cancelled', () => {
        customer();
        reservation('RSV-1', { unitCode: 'T1-0904' });
        expect(reservation('RSV-2', { unitCode: 'T1-0904' }).body).toEqual({
            code: 'UNIT_HAS_ACTIVE_RESERVATION',
            message: 'unit T1-0904 already has active reservation RSV-1',
            details: { unitCode: 'T1-0904', activeReservation: 'RSV-1' },
        });
        reservation('RSV-1', { unitCode: 'T1-0904', status: 'cancelled' });
        expect(reservation('RSV-2', { unitCode: 'T1-0904' }).status).toBe(201);
    });

    it('refuses commission claims beyond 100 % of a sale and holds the earlier claims from payout', () => {
        customer();
        reservation('RSV-1');
        const claim = (ref: string, sharePercent: number) =>
            apply(
                'commissions',
                ref,
                key(),
                { sourceRecordId: `src-${ref}`, postingDate: '2026-11-20', reservationNumber: 'RSV-1', sharePercent },
                at,
            );
        expect([claim('CLM-1', 60).status, claim('CLM-2', 40).status]).toEqual([201, 201]);
        expect(claim('CLM-3', 10).body).toEqual({
            code: 'COMMISSION_OVERCLAIMED',
            message: 'claims for RSV-1 would reach 110% of the commission',
            details: { reservationNumber: 'RSV-1', claimedPercent: 110, existingClaims: 'CLM-1,CLM-2' },
        });
        expect(books.payoutHolds).toEqual(['CLM-1', 'CLM-2']);
        // Amending a claim counts it once, not on top of itself.
        expect(claim('CLM-1', 55).status).toBe(200);
    });

    it('rejects an invalid body with every problem listed, and posts nothing', () => {
        expect(
            apply('receipts', 'RCT-1', key(), { postingDate: '30/11/2026', amount: '100', sharePercent: 5 }, at),
        ).toEqual({
            status: 400,
            body: {
                code: 'VALIDATION_FAILED',
                message: 'the request body is invalid',
                details: {
                    errors: [
                        { field: 'sourceRecordId', reason: 'required' },
                        { field: 'postingDate', reason: 'required, YYYY-MM-DD' },
                        { field: 'amount', reason: 'must be a number' },
                    ],
                },
            },
            replayed: false,
        });
        expect(apply('customers', 'c-1', key(), { sourceRecordId: '', value: Number.NaN }, at).body).toMatchObject({
            details: {
                errors: [
                    { field: 'sourceRecordId', reason: 'required' },
                    { field: 'postingDate', reason: 'required, YYYY-MM-DD' },
                    { field: 'value', reason: 'must be a number' },
                ],
            },
        });
        expect(books.postings).toEqual([]);
    });
});

describe('receipts and cancellations', () => {
    beforeEach(() => {
        customer();
        reservation('RSV-1');
        // Posted out of due-date order on purpose.
        instalment('INS-2', '2027-01-15', 1000);
        instalment('INS-1', '2026-12-15', 1000);
        instalment('INS-3', '2027-02-15', 1000);
    });

    it('allocates a receipt to the oldest due instalment first, to the cent', () => {
        receipt('RCT-1', 1500.55);
        expect(books.allocations).toEqual([
            { receiptNumber: 'RCT-1', instalmentId: 'INS-1', amount: 1000 },
            { receiptNumber: 'RCT-1', instalmentId: 'INS-2', amount: 500.55 },
        ]);
        expect([...books.invoices.values()].map((i) => [i.instalmentId, i.outstanding, i.status])).toEqual([
            ['INS-2', 499.45, 'open'],
            ['INS-1', 0, 'paid'],
            ['INS-3', 1000, 'open'],
        ]);
    });

    it('keeps what is left after every open instalment on account', () => {
        receipt('RCT-1', 1500.55);
        receipt('RCT-2', 3000);
        expect(books.allocations.filter((a) => a.receiptNumber === 'RCT-2')).toEqual([
            { receiptNumber: 'RCT-2', instalmentId: 'INS-2', amount: 499.45 },
            { receiptNumber: 'RCT-2', instalmentId: 'INS-3', amount: 1000 },
            { receiptNumber: 'RCT-2', instalmentId: null, amount: 1500.55 },
        ]);
        expect([...books.invoices.values()].every((i) => i.status === 'paid' && i.outstanding === 0)).toBe(true);
    });

    it('breaks a due-date tie by instalment id', () => {
        instalment('INS-0', '2026-12-15', 50);
        receipt('RCT-1', 60);
        expect(books.allocations.map((a) => [a.instalmentId, a.amount])).toEqual([
            ['INS-0', 50],
            ['INS-1', 10],
        ]);
    });

    it('cancelling a reservation closes its open instalments, keeps paid ones, and lists the plan once', () => {
        receipt('RCT-1', 1000);
        expect(reservation('RSV-1', { status: 'cancelled' }).status).toBe(200);
        reservation('RSV-1', { status: 'cancelled', value: 0 });
        expect([...books.invoices.values()].map((i) => [i.instalmentId, i.status])).toEqual([
            ['INS-2', 'cancelled'],
            ['INS-1', 'paid'],
            ['INS-3', 'cancelled'],
        ]);
        expect(books.cancelledPlans).toEqual(['RSV-1']);
        // Money received after the cancellation has no open instalment to go to.
        receipt('RCT-2', 250);
        expect(books.allocations.at(-1)).toEqual({ receiptNumber: 'RCT-2', instalmentId: null, amount: 250 });
    });

    it('re-allocates an amended receipt instead of counting it twice', () => {
        receipt('RCT-1', 1000, { method: 'cash' });
        expect(receipt('RCT-1', 1000, { method: 'transfer' }).status).toBe(200);
        expect(books.allocations).toEqual([{ receiptNumber: 'RCT-1', instalmentId: 'INS-1', amount: 1000 }]);
        receipt('RCT-1', 1500);
        expect(books.allocations).toEqual([
            { receiptNumber: 'RCT-1', instalmentId: 'INS-1', amount: 1000 },
            { receiptNumber: 'RCT-1', instalmentId: 'INS-2', amount: 500 },
        ]);
        receipt('RCT-1', 200);
        expect(books.allocations).toEqual([{ receiptNumber: 'RCT-1', instalmentId: 'INS-1', amount: 200 }]);
        expect([...books.invoices.values()].map((i) => [i.instalmentId, i.outstanding, i.status])).toEqual([
            ['INS-2', 1000, 'open'],
            ['INS-1', 800, 'open'],
            ['INS-3', 1000, 'open'],
        ]);
    });

    it('keeps what was paid when an instalment is amended, reopening it when raised', () => {
        receipt('RCT-1', 1000);
        instalment('INS-1', '2026-12-15', 1500);
        expect(books.invoices.get('INS-1')).toMatchObject({ amount: 1500, outstanding: 500, status: 'open' });
        receipt('RCT-2', 500);
        expect(books.allocations.at(-1)).toEqual({ receiptNumber: 'RCT-2', instalmentId: 'INS-1', amount: 500 });
        instalment('INS-1', '2026-12-15', 1200);
        expect(books.invoices.get('INS-1')).toMatchObject({ amount: 1200, outstanding: 0, status: 'paid' });
    });

    it('empties everything on reset, periods included', () => {
        receipt('RCT-1', 5000);
        books.periods.set('2026-11', 'frozen');
        books.reset();
        expect([books.postings, [...books.invoices.values()], books.allocations, [...books.periods]]).toEqual([
            [],
            [],
            [],
            [],
        ]);
        expect(
            apply('customers', 'c-1', 'key-1', { sourceRecordId: 's', postingDate: '2026-11-20' }, at),
        ).toMatchObject({
            status: 201,
            replayed: false,
        });
    });
});
