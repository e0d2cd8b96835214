import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../sandbox/seededRandom';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { PipelineWorld, seedWorld } from '../support/pipelineWorld';

type Op =
    | { kind: 'reserve' }
    | { kind: 'cancel' }
    | { kind: 'receipt' }
    | { kind: 'claim'; firm: 1 | 2; share: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.constant<Op>({ kind: 'reserve' }),
    fc.constant<Op>({ kind: 'cancel' }),
    fc.constant<Op>({ kind: 'receipt' }),
    fc.record({
        kind: fc.constant('claim' as const),
        firm: fc.constantFrom(1 as const, 2 as const),
        share: fc.constantFrom(30, 50, 60, 100),
    }),
);

/** Turns a unit's CRM history into the transactions intake would produce, in CRM order. */
function lifecycle(unit: string, ops: Op[]): TransactionEnvelope[] {
    const out: TransactionEnvelope[] = [];
    let reservation = 0;
    let active = false;
    let n = 0;
    const envelope = (
        type: TransactionEnvelope['type'],
        recordId: string,
        data: TransactionEnvelope['data'],
        action: TransactionEnvelope['action'] = 'upsert',
    ): TransactionEnvelope => ({
        transactionId: `${unit}-${++n}-${type}`,
        type,
        action,
        sessionId: `unit-${unit}`,
        source: {
            entity: `re_${type}`,
            recordId,
            message: action === 'cancel' ? 'Update' : 'Create',
            changedAt: '2026-11-10T08:00:00.000Z',
            version: String(n),
        },
        correlationId: 'c',
        entityMapVersion: '1.0.0',
        acceptedAt: '2026-11-10T08:00:00.000Z',
        data,
    });
    const reservationData = (status: string) => ({
        reservationNumber: `RSV-${unit}-${reservation}`,
        buyerId: 'buyer-1',
        unitCode: `MARINA-T1-${unit}`,
        buildingId: 'b1',
        value: 1_000_000,
        bookingAmount: 100_000,
        currency: 'AED',
        reservedOn: '2026-11-10T08:00:00.000Z',
        status,
    });
    for (const op of ops) {
        if (op.kind === 'reserve' && !active) {
            reservation++;
            active = true;
            out.push(envelope('reservation', `${unit}-res-${reservation}`, reservationData('active')));
        } else if (op.kind === 'cancel' && active) {
            active = false;
            out.push(envelope('reservation', `${unit}-res-${reservation}`, reservationData('cancelled'), 'cancel'));
        } else if (op.kind === 'receipt' && reservation > 0) {
            out.push(
                envelope('receipt', `${unit}-rct-${n}`, {
                    receiptNumber: `RCT-${unit}-${n}`,
                    reservationNumber: `RSV-${unit}-${reservation}`,
                    amount: 1000,
                    receivedOn: '2026-11-10T08:00:00.000Z',
                    method: 'card',
                }),
            );
        } else if (op.kind === 'claim' && reservation > 0) {
            out.push(
                envelope('commission', `${unit}-clm-${n}`, {
                    claimNumber: `CLM-${unit}-${n}`,
                    reservationNumber: `RSV-${unit}-${reservation}`,
                    brokerFirmId: `firm-${op.firm}`,
                    sharePercent: op.share,
                    amount: 1000,
                }),
            );
        }
    }
    return out;
}

// Against both ERP profiles: with keys the ERP itself answers a repeat with its first answer; without them (many
// customers' ERPs) a repeat posts again, so only our look-up before a re-push keeps each transaction posted once.
describe.each([
    ['keeps idempotency keys', true],
    ['keeps no idempotency keys', false],
] as const)('property: random unit lifecycles keep the ERP right (an ERP that %s)', (_profile, idempotencyKeys) => {
    it('never two active plans per unit, commission shares per sale never over 100 %, no identifier posted from two records, no transaction posted twice', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.array(fc.array(opArb, { minLength: 3, maxLength: 10 }), { minLength: 1, maxLength: 3 }),
                fc.integer({ min: 1, max: 1_000_000 }),
                fc.double({ min: 0, max: 0.3, noNaN: true }),
                fc.double({ min: 0, max: 0.8, noNaN: true }),
                fc.double({ min: 0, max: 0.3, noNaN: true }),
                async (units, seed, replayRate, shuffleRate, lostAnswerRate) => {
                    const random = mulberry32(seed);
                    const w = new PipelineWorld({}, random);
                    w.erp.idempotencyKeys = idempotencyKeys;
                    // The ERP applied the write but the answer never came back (a timeout): our side must find out
                    // before it pushes the transaction again.
                    w.erp.noAnswer = () => (random() < lostAnswerRate ? { applied: true } : undefined);
                    await seedWorld(w);
                    await w.lookup.put('brokerVendor', 'firm-1', 'V-1');
                    await w.lookup.put('brokerVendor', 'firm-2', 'V-2');
                    const all = units.flatMap((ops, i) => lifecycle(`U${i}`, ops));
                    // Dataverse does not promise async steps run in order: events of a unit arrive locally shuffled
                    // (each may overtake up to two earlier ones).
                    const arrival = all
                        .map((t, i) => ({ t, key: i + (random() < shuffleRate ? random() * 2.5 : 0) }))
                        .sort((a, b) => a.key - b.key)
                        .map((x) => x.t);
                    for (const t of arrival) {
                        await w.send(t);
                        if (random() < replayRate) await w.send(t); // Dataverse's retry of the same webhook
                    }
                    const check = () => {
                        const books = w.erp.books;
                        const latest = new Map<string, Record<string, unknown>>();
                        for (const p of books.postings.filter((x) => x.type === 'reservations'))
                            latest.set(p.reference, p.body);
                        const activeByUnit = new Map<string, number>();
                        for (const body of latest.values()) {
                            if (body.status !== 'cancelled')
                                activeByUnit.set(
                                    String(body.unitCode),
                                    (activeByUnit.get(String(body.unitCode)) ?? 0) + 1,
                                );
                        }
                        expect([...activeByUnit.values()].every((count) => count <= 1)).toBe(true);
                        const shares = new Map<string, number>();
                        const claims = new Map<string, Record<string, unknown>>();
                        for (const p of books.postings.filter((x) => x.type === 'commissions'))
                            claims.set(p.reference, p.body);
                        for (const body of claims.values())
                            shares.set(
                                String(body.reservationNumber),
                                (shares.get(String(body.reservationNumber)) ?? 0) + Number(body.sharePercent),
                            );
                        expect([...shares.values()].every((total) => total <= 100)).toBe(true);
                        const sources = new Map<string, Set<string>>();
                        for (const p of books.postings)
                            sources.set(
                                `${p.type}/${p.reference}`,
                                (sources.get(`${p.type}/${p.reference}`) ?? new Set()).add(p.sourceRecordId),
                            );
                        expect([...sources.values()].every((set) => set.size === 1)).toBe(true);
                        // The raw ledger holds every posting the ERP applied: a transaction twice is a duplicate.
                        const byTransaction = new Map<string, number>();
                        for (const p of books.postings)
                            byTransaction.set(
                                p.integrationReference,
                                (byTransaction.get(p.integrationReference) ?? 0) + 1,
                            );
                        expect([...byTransaction].filter(([, n]) => n > 1)).toEqual([]);
                    };
                    await w.settle({
                        pick: (sessions) => sessions[Math.floor(random() * sessions.length)] ?? '',
                        afterEach: check,
                    });
                    check();
                    // Nothing accepted is lost, and no unit waits on itself (a receipt parked for its reservation while
                    // the reservation is held behind it): every transaction ends posted, stale, in review with a
                    // reason and an owner, or held behind one in review.
                    const inReview = new Set<string>();
                    for (const t of all) {
                        const record = await w.store.get(t.transactionId);
                        if (record?.state === 'review') {
                            expect(record.lastFailure?.owner).toBeTruthy();
                            inReview.add(t.sessionId);
                        }
                    }
                    for (const t of all) {
                        const state = (await w.store.get(t.transactionId))?.state;
                        if (state === 'held') expect(inReview.has(t.sessionId)).toBe(true);
                        else expect(['confirmed', 'stale', 'review']).toContain(state);
                    }
                },
            ),
            { numRuns: 250 },
        );
    }, 60_000);
});
