import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../sandbox/seededRandom';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { type Chaos, FleetWorld } from '../support/fleetWorld';
import { unitTransaction } from '../support/pipelineWorld';

function launch(units: number, perUnit: number): TransactionEnvelope[] {
    const sent: TransactionEnvelope[] = [];
    for (let u = 0; u < units; u++) {
        const unit = `F${u}`;
        sent.push(unitTransaction(unit, 'reservation', 1));
        for (let n = 2; n <= perUnit; n++) sent.push(unitTransaction(unit, n % 2 === 0 ? 'instalment' : 'receipt', n));
    }
    return sent;
}

/** The ledger's first posting of each transaction, per unit, must follow CRM order; no transaction twice. */
function checkLedger(world: FleetWorld, sent: TransactionEnvelope[]): void {
    const posted = world.ledger.filter((k) => k !== 'seed-buyer');
    const twice = posted.filter((k, i) => posted.indexOf(k) !== i);
    expect(twice, 'transactions the ERP received and posted more than once').toEqual([]);
    for (const session of new Set(sent.map((t) => t.sessionId))) {
        const expected = sent.filter((t) => t.sessionId === session).map((t) => t.transactionId);
        expect(
            posted.filter((k) => expected.includes(k)),
            `ERP order of ${session}`,
        ).toEqual(expected.slice(0, posted.filter((k) => expected.includes(k)).length));
    }
}

describe('property: a fleet of instances whose locks expire, crash and dead-letter', () => {
    it.each([
        ['an ERP that keeps no idempotency keys (every repeat it is sent, it posts)', false],
        ['an ERP that replays idempotency keys', true],
    ])(
        'posts every transaction at most once and in unit order, against %s, and nothing is lost once operations has acted',
        async (_name, idempotencyKeys) => {
            await fc.assert(
                fc.asyncProperty(
                    fc.record({
                        units: fc.integer({ min: 1, max: 3 }),
                        perUnit: fc.integer({ min: 1, max: 4 }),
                        instances: fc.integer({ min: 2, max: 3 }),
                        seed: fc.integer({ min: 1, max: 1_000_000 }),
                        chaos: fc.record({
                            storeFault: fc.double({ min: 0, max: 0.08, noNaN: true }),
                            lockExpiry: fc.double({ min: 0, max: 0.08, noNaN: true }),
                            crashAfterErpAnswer: fc.double({ min: 0, max: 0.3, noNaN: true }),
                            crashBeforeSettle: fc.double({ min: 0, max: 0.3, noNaN: true }),
                            erpRefusal: fc.double({ min: 0, max: 0.3, noNaN: true }),
                            erpNoAnswer: fc.double({ min: 0, max: 0.3, noNaN: true }),
                        }) satisfies fc.Arbitrary<Chaos>,
                    }),
                    async ({ units, perUnit, instances, seed, chaos }) => {
                        const random = mulberry32(seed);
                        // Three deliveries and three attempts: dead-letters and escalations happen.
                        const world = new FleetWorld(random, { instances, idempotencyKeys, maxDeliveries: 3 });
                        await world.seed();
                        const sent = launch(units, perUnit);
                        for (const t of sent) await world.send(t);
                        world.chaos = chaos;
                        await world.run();
                        // During the storm, already: nothing twice, nothing out of order.
                        checkLedger(world, sent);

                        await world.heal();
                        checkLedger(world, sent);
                        const states = await Promise.all(sent.map((t) => world.store.get(t.transactionId)));
                        expect(states.map((r) => r?.state)).toEqual(sent.map(() => 'confirmed'));
                        expect(new Set(world.ledger.filter((k) => k !== 'seed-buyer'))).toEqual(
                            new Set(sent.map((t) => t.transactionId)),
                        );
                    },
                ),
                { numRuns: 80 },
            );
        },
        120_000,
    );

    it('dead-letters a transaction whose deliveries all fail, holds its unit behind it, and posts both after a retry', async () => {
        const random = mulberry32(7);
        const world = new FleetWorld(random, { instances: 2, idempotencyKeys: false, maxDeliveries: 3 });
        await world.seed();
        const [first, second] = launch(1, 2);
        if (!first || !second) throw new Error('launch');
        await world.send(first);
        await world.send(second);
        world.chaos = { ...world.chaos, storeFault: 1 };
        await world.run();
        world.chaos = { ...world.chaos, storeFault: 0 };
        await world.run();
        expect(world.deadLettered).toContain(first.transactionId);
        // The store was down for every delivery: the dead-letter could not be recorded, but the unit was blocked on
        // the last delivery, so the second waits; the sweep then finds the first.
        expect(world.ledger.filter((k) => k !== 'seed-buyer')).toEqual([]);
        await world.heal();
        expect(world.ledger.filter((k) => k !== 'seed-buyer')).toEqual([first.transactionId, second.transactionId]);
    });
});
