import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../sandbox/seededRandom';
import { reprocessCondition } from '../../src/core/conditionClearing';
import { actOnReviewItem } from '../../src/core/reviewActions';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { PipelineWorld, seedWorld, unitTransaction } from '../support/pipelineWorld';

async function world(policy = {}, random?: () => number) {
    const w = new PipelineWorld(policy, random);
    await seedWorld(w);
    return w;
}

const ledgerKeys = (w: PipelineWorld) => w.erp.books.postings.map((p) => p.integrationReference);
const states = async (w: PipelineWorld, txs: TransactionEnvelope[]) =>
    Promise.all(txs.map(async (t) => (await w.store.get(t.transactionId))?.state));

/** Unit A: its reservation failed once and waits for its retry; the instalment after it is held behind it. */
async function reservationRetryingInstalmentHeld() {
    const w = await world();
    const reservation = unitTransaction('A', 'reservation', 1);
    const instalment = unitTransaction('A', 'instalment', 2);
    let failures = 1;
    w.erp.failNext = () => failures-- > 0;
    await w.send(reservation);
    await w.send(instalment);
    await w.run();
    expect(await states(w, [reservation, instalment])).toEqual(['retrying', 'held']);
    return { w, reservation, instalment };
}

describe('per-unit order across retries', () => {
    it('holds a later transaction behind a retrying one, then posts both in order', async () => {
        const { w, reservation, instalment } = await reservationRetryingInstalmentHeld();
        expect(ledgerKeys(w)).toEqual(['seed-buyer']);
        await w.settle();
        expect(await states(w, [reservation, instalment])).toEqual(['confirmed', 'confirmed']);
        expect(ledgerKeys(w)).toEqual(['seed-buyer', reservation.transactionId, instalment.transactionId]);
    });

    it('schedules retries with backoff that honours Retry-After and escalates to review after the maximum attempts', async () => {
        const w = await world({ default: { baseMs: 1000, capMs: 60_000, maxAttempts: 3 } });
        w.erp.failNext = () => true;
        const reservation = unitTransaction('A', 'reservation', 1);
        await w.send(reservation);
        await w.settle();
        const record = await w.store.get(reservation.transactionId);
        expect([record?.state, record?.attempts, record?.lastFailure?.message]).toEqual([
            'review',
            3,
            'ERP answered 503 UNAVAILABLE: down (escalated after 3 attempts)',
        ]);
        const meter = await w.meter.read('2026-11-10');
        expect([meter.firstAttempts, meter.retries]).toEqual([1, 2]);
    });

    it('lets other units flow while one unit waits', async () => {
        const w = await world();
        const a = unitTransaction('A', 'reservation', 1);
        const b = unitTransaction('B', 'reservation', 1);
        w.erp.failNext = () => w.erp.calls === 1;
        await w.send(a);
        await w.send(b);
        await w.run();
        expect(await states(w, [a, b])).toEqual(['retrying', 'confirmed']);
    });
});

describe('parking under a business condition', () => {
    it('parks postings into a frozen period with one ERP call, then posts them by themselves in order when it reopens', async () => {
        const w = await world({ probeIntervalMs: 60_000 });
        w.erp.books.periods.set('2026-11', 'frozen');
        const units = ['A', 'B', 'C'];
        const txs = units.flatMap((u) => [
            unitTransaction(u, 'reservation', 1),
            unitTransaction(u, 'instalment', 2),
            unitTransaction(u, 'receipt', 3),
        ]);
        for (const t of txs) await w.send(t);
        await w.run();
        expect(w.erp.calls).toBe(1);
        expect((await w.conditions.listActive()).map((c) => [c.key, c.kind, c.owner])).toEqual([
            ['period 2026-11 frozen', 'period', 'finance'],
        ]);
        expect(new Set(await states(w, txs))).toEqual(new Set(['parked', 'held']));

        // While frozen, each probe costs one call, not one per transaction.
        await w.probe();
        await w.probe();
        expect(w.erp.calls).toBe(3);

        w.erp.books.periods.set('2026-11', 'open');
        await w.settle();
        expect(await states(w, txs)).toEqual(txs.map(() => 'confirmed'));
        for (const u of units) {
            const order = w.erp.books.postings
                .filter((p) => p.body.reservationNumber === `RSV-${u}`)
                .map((p) => p.idempotencyKey);
            expect(order).toEqual(txs.filter((t) => t.sessionId === `unit-${u}`).map((t) => t.transactionId));
        }
    });

    it('parks a milestone instalment for the project team and posts it when construction progress reaches the %', async () => {
        const w = await world();
        const reservation = unitTransaction('A', 'reservation', 1);
        const instalment = {
            ...unitTransaction('A', 'instalment', 2),
            data: { ...unitTransaction('A', 'instalment', 2).data, milestonePercent: 70 },
        };
        const receipt = unitTransaction('A', 'receipt', 3);
        for (const t of [reservation, instalment, receipt]) await w.send(t);
        await w.run();
        expect(await states(w, [reservation, instalment, receipt])).toEqual(['confirmed', 'parked', 'held']);
        const [condition] = await w.conditions.listActive();
        expect([condition?.key, condition?.owner]).toEqual(['MARINA-T1 below 70%', 'project']);

        const progress: TransactionEnvelope = {
            transactionId: 'progress-1',
            type: 'constructionProgress',
            action: 'upsert',
            sessionId: 'building-b1',
            source: {
                entity: 're_constructionprogress',
                recordId: 'p1',
                message: 'Create',
                changedAt: '2026-11-10T08:00:00.000Z',
            },
            correlationId: 'c',
            entityMapVersion: '1.0.0',
            acceptedAt: '2026-11-10T08:00:00.000Z',
            data: {
                buildingCode: 'MARINA-T1',
                period: '2026-11',
                percentComplete: 72,
                reportedOn: '2026-11-10T08:00:00.000Z',
            },
        };
        await w.send(progress);
        await w.run();
        expect(await states(w, [instalment, receipt])).toEqual(['confirmed', 'confirmed']);
        expect(await w.conditions.listActive()).toEqual([]);
    });
});

describe('review queue', () => {
    it('holds the unit behind a defect until an operator resolves it, audited with who', async () => {
        const w = await world();
        const reservation = unitTransaction('A', 'reservation', 1);
        const broken = { ...reservation, data: { ...reservation.data, buildingId: 'unknown-building' } };
        const instalment = unitTransaction('A', 'instalment', 2);
        await w.send(broken);
        await w.send(instalment);
        await w.run();
        expect(await states(w, [broken, instalment])).toEqual(['review', 'held']);
        expect((await w.store.get(broken.transactionId))?.lastFailure).toMatchObject({
            class: 'defect',
            code: 'LOOKUP_MISSING',
            owner: 'integration',
        });

        // Fix the mapping, then retry: the unit moves on in order.
        await w.lookup.put('buildingCode', 'unknown-building', 'MARINA-T1');
        await w.lookup.put('buildingCostCentre', 'unknown-building', 'CC-MARINA-T1');
        expect(await actOnReviewItem(broken.transactionId, { action: 'retry', by: 'ops@contoso' }, w.deps)).toEqual({
            kind: 'done',
            state: 'queued',
        });
        await w.settle();
        expect(await states(w, [broken, instalment])).toEqual(['confirmed', 'confirmed']);
        const audit = await w.store.listAudit(broken.transactionId);
        expect(audit.find((a) => a.action === 'review:retry')?.payload).toEqual({ by: 'ops@contoso' });
    });

    it('discards a duplicate with a reason and releases the unit', async () => {
        const w = await world();
        const first = unitTransaction('A', 'reservation', 1);
        const duplicate = { ...unitTransaction('B', 'reservation', 1), data: { ...first.data } };
        const next = unitTransaction('B', 'receipt', 2);
        await w.send(first);
        await w.send(duplicate);
        await w.send({ ...next, data: { ...next.data, reservationNumber: 'RSV-A' } });
        await w.run();
        expect((await w.store.get(duplicate.transactionId))?.lastFailure).toMatchObject({
            class: 'duplicate',
            owner: 'salesOperations',
        });
        await actOnReviewItem(
            duplicate.transactionId,
            { action: 'discard', by: 'sales@contoso', reason: 'same sale keyed twice' },
            w.deps,
        );
        await w.settle();
        expect((await w.store.get(duplicate.transactionId))?.state).toBe('discarded');
        expect((await w.store.get(next.transactionId))?.state).toBe('confirmed');
    });
});

describe('circuit breaker', () => {
    it('stops calling a failing ERP: later transactions park under "ERP unavailable", a probe reopens it', async () => {
        const w = await world({ breaker: { consecutiveFailures: 2, openMs: 30_000 } });
        w.erp.down = true;
        const txs = ['A', 'B', 'C', 'D', 'E'].map((u) => unitTransaction(u, 'reservation', 1));
        for (const t of txs) await w.send(t);
        await w.run();
        expect(w.erp.calls).toBe(2);
        expect((await w.conditions.listActive()).map((c) => c.key)).toEqual(['ERP unavailable']);
        await w.probe();
        expect(w.erp.calls).toBe(3);
        w.erp.down = false;
        await w.settle();
        expect(await states(w, txs)).toEqual(txs.map(() => 'confirmed'));
    });
});

describe('property: whatever the interleaving, failures and crashes', () => {
    it.each([
        ['looking every key up before a re-push', 0],
        ['re-sending within the ERP’s key retention (its replay answers)', 86_400_000],
    ])(
        'loses nothing, posts nothing twice and keeps every unit in order, %s',
        async (_name, erpKeyReplayMs) => {
            await fc.assert(
                fc.asyncProperty(
                    fc.record({
                        units: fc.integer({ min: 1, max: 4 }),
                        perUnit: fc.integer({ min: 1, max: 4 }),
                        seed: fc.integer({ min: 1, max: 1_000_000 }),
                        transientRate: fc.double({ min: 0, max: 0.4, noNaN: true }),
                        crashRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
                        freeze: fc.boolean(),
                    }),
                    async ({ units, perUnit, seed, transientRate, crashRate, freeze }) => {
                        const random = mulberry32(seed);
                        const w = await world(
                            { default: { baseMs: 1000, capMs: 60_000, maxAttempts: 50 }, erpKeyReplayMs },
                            random,
                        );
                        w.erp.failNext = () => random() < transientRate;
                        if (freeze) w.erp.books.periods.set('2026-11', 'frozen');
                        const sent: TransactionEnvelope[] = [];
                        for (let u = 0; u < units; u++) {
                            const unit = `U${u}`;
                            sent.push(unitTransaction(unit, 'reservation', 1));
                            for (let n = 2; n <= perUnit; n++)
                                sent.push(unitTransaction(unit, n % 2 === 0 ? 'instalment' : 'receipt', n));
                        }
                        // Events arrive interleaved across units but in CRM order within a unit.
                        for (const t of sent) await w.send(t);
                        const options = {
                            pick: (sessions: string[]) => sessions[Math.floor(random() * sessions.length)] ?? '',
                            crashBeforeSettle: () => random() < crashRate,
                        };
                        await w.run(options);
                        if (freeze) w.erp.books.periods.set('2026-11', 'open');
                        await w.settle(options);

                        const finalStates = await states(w, sent);
                        expect(finalStates.filter((st) => st !== 'confirmed')).toEqual([]);
                        const keys = ledgerKeys(w).slice(1);
                        expect(new Set(keys).size).toBe(keys.length);
                        expect(new Set(keys)).toEqual(new Set(sent.map((t) => t.transactionId)));
                        for (let u = 0; u < units; u++) {
                            const expected = sent
                                .filter((t) => t.sessionId === `unit-U${u}`)
                                .map((t) => t.transactionId);
                            expect(keys.filter((k) => expected.includes(k))).toEqual(expected);
                        }
                    },
                ),
                { numRuns: 60 },
            );
        },
        60_000,
    );
});

describe('re-release: never two active payment plans for one unit', () => {
    const plan = (number: string, source: string, action: 'upsert' | 'cancel' = 'upsert'): TransactionEnvelope => {
        const t = unitTransaction('A', 'reservation', 1);
        return {
            ...t,
            transactionId: `${number}-${action}-${source}`,
            action,
            source: { ...t.source, recordId: source },
            data: { ...t.data, reservationNumber: number, status: action === 'cancel' ? 'cancelled' : 'active' },
        };
    };

    it("posts the cancellation before the next buyer's plan when the CRM order is kept", async () => {
        const w = await world();
        for (const t of [plan('RSV-1', 'r1'), plan('RSV-1', 'r1', 'cancel'), plan('RSV-2', 'r2')]) await w.send(t);
        await w.settle();
        expect(w.erp.books.postings.slice(1).map((p) => [p.reference, p.body.status])).toEqual([
            ['RSV-1', 'active'],
            ['RSV-1', 'cancelled'],
            ['RSV-2', 'active'],
        ]);
    });

    it('parks a second plan that arrives before the first is cancelled, lets the cancellation overtake it, then posts it', async () => {
        const w = await world();
        await w.send(plan('RSV-1', 'r1'));
        await w.send(plan('RSV-2', 'r2'));
        await w.run();
        const second = await w.store.get('RSV-2-upsert-r2');
        expect([second?.state, second?.lastFailure?.condition, second?.lastFailure?.owner]).toEqual([
            'parked',
            'unit MARINA-T1-A has active reservation RSV-1',
            'salesOperations',
        ]);
        await w.send(plan('RSV-1', 'r1', 'cancel'));
        await w.settle();
        expect(w.erp.books.postings.slice(1).map((p) => [p.reference, p.body.status])).toEqual([
            ['RSV-1', 'active'],
            ['RSV-1', 'cancelled'],
            ['RSV-2', 'active'],
        ]);
        expect(w.erp.books.cancelledPlans).toEqual(['RSV-1']);
    });

    it('quarantines the second plan for review when the first is still active after the grace period', async () => {
        const w = await world({ activePlanGraceMs: 3 * 60_000 });
        await w.send(plan('RSV-1', 'r1'));
        await w.send(plan('RSV-2', 'r2'));
        await w.run();
        await w.probe();
        expect((await w.store.get('RSV-2-upsert-r2'))?.state).toBe('parked');
        await w.settle();
        const second = await w.store.get('RSV-2-upsert-r2');
        expect([
            second?.state,
            second?.lastFailure?.class,
            second?.lastFailure?.code,
            second?.lastFailure?.owner,
        ]).toEqual(['review', 'duplicate', 'QUARANTINED', 'salesOperations']);
        const activePlans = w.erp.books.postings.filter(
            (p) => p.type === 'reservations' && p.body.status !== 'cancelled',
        );
        expect(activePlans.map((p) => p.reference)).toEqual(['RSV-1']);
        expect(await w.conditions.listActive()).toEqual([]);
    });
});

describe('stale and conflicting updates', () => {
    it('does not apply an update older than one already applied for the same record, and audits it as stale', async () => {
        const w = await world();
        const base = unitTransaction('A', 'reservation', 1);
        const v = (version: string, value: number): TransactionEnvelope => ({
            ...base,
            transactionId: `res-v${version}`,
            source: { ...base.source, message: 'Update', version },
            data: { ...base.data, value },
        });
        await w.send(v('6', 1_100_000));
        await w.send(v('5', 1_050_000));
        await w.settle();
        expect(w.erp.books.postings.slice(1).map((p) => p.body.value)).toEqual([1_100_000]);
        expect((await w.store.get('res-v5'))?.state).toBe('stale');
        expect((await w.store.listAudit('res-v5')).map((a) => [a.action, a.payload])).toEqual([
            ['stale', { note: 'version 5 is older than applied version 6; not applied' }],
        ]);
    });

    it('quarantines a commission claim that takes a sale over 100 %, with the other claims as evidence, and holds them from payout', async () => {
        const w = await world();
        await w.lookup.put('brokerVendor', 'firm-1', 'V-1');
        await w.lookup.put('brokerVendor', 'firm-2', 'V-2');
        const claim = (n: number, firm: string, share: number): TransactionEnvelope => {
            const t = unitTransaction('A', 'receipt', n);
            return {
                ...t,
                type: 'commission',
                source: { ...t.source, entity: 're_commission', recordId: `claim-${n}` },
                data: {
                    claimNumber: `CLM-${n}`,
                    reservationNumber: 'RSV-A',
                    brokerFirmId: firm,
                    sharePercent: share,
                    amount: 1000,
                },
            };
        };
        const first = claim(2, 'firm-1', 60);
        const second = claim(3, 'firm-2', 50);
        for (const t of [unitTransaction('A', 'reservation', 1), first, second]) await w.send(t);
        await w.settle();
        const record = await w.store.get(second.transactionId);
        expect([record?.state, record?.lastFailure?.class, record?.lastFailure?.owner]).toEqual([
            'review',
            'duplicate',
            'salesOperations',
        ]);
        expect(record?.lastFailure?.details).toEqual({
            reservationNumber: 'RSV-A',
            claimedPercent: 110,
            existingClaims: 'CLM-2',
        });
        expect(w.erp.books.payoutHolds).toEqual(['CLM-2']);
    });
});

describe('ready for handover', () => {
    const status = (n: number, value: string): TransactionEnvelope => {
        const t = unitTransaction('A', 'receipt', n);
        return {
            ...t,
            type: 'unitStatus',
            source: { ...t.source, entity: 're_unit', recordId: 'unit-A', version: String(n) },
            data: {
                unitId: 'unit-A',
                unitCode: 'MARINA-T1-A',
                buildingId: 'b1',
                status: value,
                readyForHandoverOn: '2026-12-01T00:00:00.000Z',
                ownerId: 'buyer-1',
            },
        };
    };

    it('opens one handover per unit and date, even when the unit moves back and forth', async () => {
        const w = await world();
        for (const [n, s] of [
            [1, 'readyForHandover'],
            [2, 'sold'],
            [3, 'readyForHandover'],
        ] as const)
            await w.send(status(n, s));
        await w.settle();
        expect(await w.handovers.listPending(10)).toEqual([
            expect.objectContaining({
                key: 'unit-A:2026-12-01',
                unitCode: 'MARINA-T1-A',
                ownerId: 'buyer-1',
                readyOn: '2026-12-01',
                notice: 'pending',
            }),
        ]);
    });
});

describe('a condition cleared while a transaction is being parked under it', () => {
    it('reprocesses the unit itself when the probe cleared the condition just before the unit registered', async () => {
        const w = await world();
        w.erp.books.periods.set('2026-11', 'frozen');
        const a = unitTransaction('A', 'reservation', 1);
        await w.send(a);
        await w.run();
        expect(await states(w, [a])).toEqual(['parked']);
        // Unit B's attempt still sees the period frozen; the period reopens and the probe clears the condition and
        // reprocesses the units it finds registered (A) just before B registers.
        const register = w.conditions.addParkedSession.bind(w.conditions);
        let raced = false;
        w.conditions.addParkedSession = async (key, sessionId) => {
            if (!raced && sessionId === 'unit-B') {
                raced = true;
                w.erp.books.periods.set('2026-11', 'open');
                await reprocessCondition(key, w.deps, 'the period reopened');
            }
            await register(key, sessionId);
        };
        const b = unitTransaction('B', 'reservation', 1);
        await w.send(b);
        await w.run();
        expect(raced).toBe(true);
        expect(await w.conditions.listActive()).toEqual([]);
        expect(await states(w, [a, b])).toEqual(['confirmed', 'confirmed']);
    });
});

describe('a condition re-opened while its units are being reprocessed', () => {
    it('keeps a unit that parked again on the list, so the next clearing reprocesses it', async () => {
        const w = await world();
        w.erp.books.periods.set('2026-11', 'frozen');
        const a = unitTransaction('A', 'reservation', 1);
        await w.send(a);
        await w.run();
        const key = 'period 2026-11 frozen';
        expect(await w.conditions.parkedSessions(key)).toEqual(['unit-A']);
        // The clearing's reprocess message is handled at once, while the clearing is still running, and the period
        // has been frozen again meanwhile (another unit's attempt re-opened the condition): A parks again.
        const send = w.deps.queue.send;
        const clearing = {
            ...w.deps,
            queue: {
                send: async (messages: Parameters<typeof send>[0]) => {
                    await send(messages);
                    await w.conditions.open({ key, kind: 'period', owner: 'finance', since: 'now', details: {} });
                    await w.run();
                },
            },
        };
        await reprocessCondition(key, clearing, 'the period reopened');
        expect(await states(w, [a])).toEqual(['parked']);
        expect(await w.conditions.parkedSessions(key)).toEqual(['unit-A']);
        w.erp.books.periods.set('2026-11', 'open');
        await w.settle();
        expect(await states(w, [a])).toEqual(['confirmed']);
    });
});

describe('re-sending under the same Idempotency-Key instead of looking it up', () => {
    it('re-sends a retry at once while the ERP still replays the key, and looks it up once it may not', async () => {
        const within = await world({ erpKeyReplayMs: 86_400_000 });
        let lost = 1;
        within.erp.noAnswer = () => (lost-- > 0 ? { applied: false } : undefined);
        const receipt = unitTransaction('A', 'reservation', 1);
        await within.send(receipt);
        await within.settle();
        expect(await states(within, [receipt])).toEqual(['confirmed']);
        expect({ calls: within.erp.calls, lookups: within.erp.lookups }).toEqual({ calls: 2, lookups: 0 });

        // Accepted an hour ago, and the ERP keeps keys for a minute: the retry asks the ERP before it sends again.
        const after = await world({ erpKeyReplayMs: 60_000 });
        lost = 1;
        after.erp.noAnswer = () => (lost-- > 0 ? { applied: false } : undefined);
        const late = unitTransaction('B', 'reservation', 1);
        await after.send(late);
        await after.settle();
        expect(await states(after, [late])).toEqual(['confirmed']);
        expect({ calls: after.erp.calls, lookups: after.erp.lookups }).toEqual({ calls: 3, lookups: 1 });
    });

    it('does not look up what the ERP refused outright (a 503 is answered before anything is applied)', async () => {
        const w = await world({ erpKeyReplayMs: 0 });
        let failures = 2;
        w.erp.failNext = () => failures-- > 0;
        const reservation = unitTransaction('A', 'reservation', 1);
        await w.send(reservation);
        await w.settle();
        expect(await states(w, [reservation])).toEqual(['confirmed']);
        expect({ calls: w.erp.calls, lookups: w.erp.lookups }).toEqual({ calls: 3, lookups: 0 });
    });

    it('finds the posting the ERP applied without answering, instead of posting it again', async () => {
        const w = await world({ erpKeyReplayMs: 0 });
        let lost = 1;
        w.erp.noAnswer = () => (lost-- > 0 ? { applied: true } : undefined);
        const reservation = unitTransaction('A', 'reservation', 1);
        await w.send(reservation);
        await w.settle();
        expect(await states(w, [reservation])).toEqual(['confirmed']);
        expect({ calls: w.erp.calls, lookups: w.erp.lookups }).toEqual({ calls: 2, lookups: 1 });
        expect(ledgerKeys(w).filter((k) => k === reservation.transactionId)).toHaveLength(1);
    });

    it('gets the first posting back, not a second one, when the ERP had accepted the post it did not answer', async () => {
        const w = await world({ erpKeyReplayMs: 86_400_000 });
        const receipt = unitTransaction('A', 'reservation', 1);
        // The ERP applies the post but the answer is lost (a timeout): the processor sees a transient failure.
        const post = w.erp.post.bind(w.erp);
        let lose = true;
        w.erp.post = async (request) => {
            const outcome = await post(request);
            if (!lose) return outcome;
            lose = false;
            return {
                kind: 'failed',
                status: 504,
                failure: { class: 'transient', code: 'TIMEOUT', message: 'no answer', owner: 'integration' },
            };
        };
        await w.send(receipt);
        await w.settle();
        expect(await states(w, [receipt])).toEqual(['confirmed']);
        expect(ledgerKeys(w).filter((k) => k === receipt.transactionId)).toHaveLength(1);
        expect(w.erp.lookups).toBe(0);
    });
});

describe('retries keep going when the look-up before a re-push fails', () => {
    it('schedules a new retry each time (a repeated message id would be dropped and stall the unit)', async () => {
        const w = await world();
        const reservation = unitTransaction('A', 'reservation', 1);
        const receipt = unitTransaction('A', 'receipt', 2);
        let lost = 1;
        w.erp.noAnswer = () => (lost-- > 0 ? { applied: false } : undefined);
        w.erp.failLookups = 3;
        await w.send(reservation);
        await w.send(receipt);
        await w.settle();
        expect(await states(w, [reservation, receipt])).toEqual(['confirmed', 'confirmed']);
        expect(w.erp.lookups).toBe(4);
    });
});

describe('rate limiting is not an outage', () => {
    it('retries after Retry-After without opening the circuit breaker', async () => {
        const w = await world({ breaker: { consecutiveFailures: 2, openMs: 30_000 } });
        w.erp.rateLimited = 4;
        const txs = ['A', 'B', 'C', 'D'].map((u) => unitTransaction(u, 'reservation', 1));
        for (const t of txs) await w.send(t);
        await w.run();
        expect(w.deps.breaker.snapshot).toEqual({ state: 'closed', failures: 0 });
        expect(await w.conditions.listActive()).toEqual([]);
        expect(new Set(await states(w, txs))).toEqual(new Set(['retrying']));
        await w.settle();
        expect(await states(w, txs)).toEqual(txs.map(() => 'confirmed'));
    });
});

describe('maxAttempts counts the transaction’s own failures', () => {
    it('does not escalate a transaction the ERP rate-limited more times than maxAttempts', async () => {
        const w = await world({ default: { baseMs: 100, capMs: 1000, maxAttempts: 2 } });
        w.erp.rateLimited = 5;
        const reservation = unitTransaction('A', 'reservation', 1);
        await w.send(reservation);
        await w.settle();
        expect(await states(w, [reservation])).toEqual(['confirmed']);
        expect((await w.store.get(reservation.transactionId))?.attempts).toBe(6);
    });

    it('does not hold the attempt that found the period frozen against the transaction after it reopens', async () => {
        const w = await world({ default: { baseMs: 100, capMs: 1000, maxAttempts: 2 } });
        w.erp.books.periods.set('2026-11', 'frozen');
        const reservation = unitTransaction('A', 'reservation', 1);
        await w.send(reservation);
        await w.run();
        expect(await states(w, [reservation])).toEqual(['parked']);
        w.erp.books.periods.set('2026-11', 'open');
        let failures = 1;
        w.erp.failNext = () => failures-- > 0;
        await w.settle();
        // Two attempts (maxAttempts) by now, but only one was this transaction's own transient failure.
        expect((await w.store.get(reservation.transactionId))?.attempts).toBe(3);
        expect(await states(w, [reservation])).toEqual(['confirmed']);
    });
});

describe('a host killed between releasing the gate and running what it held', () => {
    it('resumes the drain when the interrupted message is delivered again', async () => {
        const { w, reservation, instalment } = await reservationRetryingInstalmentHeld();
        const gates = w.deps.gates;
        const put = gates.put.bind(gates);
        let killed = false;
        gates.put = async (gate) => {
            const version = await put(gate);
            if (!killed && gate.blockedBy === null && gate.held.length > 0) {
                killed = true;
                throw new Error('kill -9');
            }
            return version;
        };
        await expect(w.settle()).rejects.toThrow('kill -9');
        gates.put = put;
        expect(await states(w, [reservation, instalment])).toEqual(['confirmed', 'held']);
        await w.settle();
        expect(await states(w, [reservation, instalment])).toEqual(['confirmed', 'confirmed']);
        expect(ledgerKeys(w)).toEqual(['seed-buyer', reservation.transactionId, instalment.transactionId]);
    });
});

describe('a transaction whose queue message was lost', () => {
    it('goes first when the next transaction of its unit arrives, because intake admitted it to the unit backlog', async () => {
        const w = await world();
        const lost = unitTransaction('L', 'reservation', 1, { date: '2026-11-10T08:00:00.000Z' });
        const next = unitTransaction('L', 'instalment', 2, { date: '2026-11-10T08:00:05.000Z' });
        await w.accept(lost); // recorded and in the backlog; its message never reached the queue
        await w.accept(next);
        await w.send(next);
        await w.run();
        expect(await states(w, [lost, next])).toEqual(['confirmed', 'confirmed']);
        expect(ledgerKeys(w)).toEqual(['seed-buyer', lost.transactionId, next.transactionId]);
        expect((await w.gates.get('unit-L')).backlog).toEqual([]);
        expect((await w.store.listAudit(lost.transactionId)).map((a) => a.action)).toContain('resume');
    });

    it('is not run twice when its message turns up after all', async () => {
        const w = await world();
        const late = unitTransaction('M', 'reservation', 1, { date: '2026-11-10T08:00:00.000Z' });
        const next = unitTransaction('M', 'receipt', 2, { date: '2026-11-10T08:00:05.000Z' });
        await w.accept(late);
        await w.accept(next);
        await w.send(next);
        await w.send(late); // the queue had it behind after all (intake's enqueue raced)
        await w.settle();
        expect(ledgerKeys(w)).toEqual(['seed-buyer', late.transactionId, next.transactionId]);
    });
});

describe('the lock budget of one invocation', () => {
    it('starts no further held transaction once one more attempt would outlive the lock, and continues in a drain message', async () => {
        const { w, reservation, instalment } = await reservationRetryingInstalmentHeld();
        const receipt = unitTransaction('A', 'receipt', 3);
        await w.send(receipt);
        await w.run();
        // Each ERP call takes 130 s. The invocation may work 285 s (5 min lock renewal less a margin), and starts a
        // transaction only while a whole attempt (45 s: ERP + Dataverse timeouts + margin) still fits: after two calls
        // (260 s) the receipt waits for the next invocation.
        const post = w.erp.post.bind(w.erp);
        w.erp.post = async (request) => {
            w.nowMs += 130_000;
            return post(request);
        };
        const send = w.deps.queue.send;
        const drains: unknown[] = [];
        w.deps.queue.send = async (messages) => {
            for (const m of messages) if ((m.body as { control?: string }).control === 'drain') drains.push(m.body);
            return send(messages);
        };
        await w.advance(); // the reservation's retry: it posts and releases the instalment; then the budget says stop
        expect(drains).toHaveLength(1); // the receipt continues in a drain message, in the unit's session
        expect(await states(w, [reservation, instalment, receipt])).toEqual(['confirmed', 'confirmed', 'confirmed']);
        expect(ledgerKeys(w)).toEqual([
            'seed-buyer',
            reservation.transactionId,
            instalment.transactionId,
            receipt.transactionId,
        ]);
    });
});
