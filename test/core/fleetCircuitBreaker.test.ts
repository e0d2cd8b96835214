import { describe, expect, it } from 'vitest';
import { MemoryErpFleetStateStore } from '../../src/adapters/memory/memoryErpFleetStateStore';
import { ErpFleetMember } from '../../src/core/erpFleetMember';
import { FleetCircuitBreaker } from '../../src/core/fleetCircuitBreaker';
import type { ErpFleetState, ErpFleetStateStore } from '../../src/ports/erpFleetState';

/** Three instances' breakers on one shared store, with one clock the test moves. */
function fleetOfBreakers(store: ErpFleetStateStore = new MemoryErpFleetStateStore()) {
    const clock = { ms: 1_000_000 };
    const now = () => clock.ms;
    const breakers = ['a', 'b', 'c'].map(
        (id) =>
            new FleetCircuitBreaker(
                // Idle members (nothing calls slots()): the breakers read the shared state themselves.
                new ErpFleetMember(store, 40, { id, now, sleep: async () => {} }),
                { consecutiveFailures: 3, openMs: 10_000, freshMs: 0 },
                now,
            ),
    ) as [FleetCircuitBreaker, FleetCircuitBreaker, FleetCircuitBreaker];
    return { clock, store, breakers };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('FleetCircuitBreaker', () => {
    it("opens for every instance when one instance's failures reach the threshold", async () => {
        const { clock, breakers } = fleetOfBreakers();
        const [a, b, c] = breakers;
        a.failed(clock.ms);
        a.failed(clock.ms);
        expect(await b.allow(clock.ms)).toBe(true);
        a.failed(clock.ms);
        // At once on the instance that opened it, before its write has landed.
        expect(a.snapshot).toEqual({ state: 'open', until: clock.ms + 10_000 });
        await settle();
        expect([await a.allow(clock.ms), await b.allow(clock.ms), await c.allow(clock.ms + 9_999)]).toEqual([
            false,
            false,
            false,
        ]);
        expect(b.snapshot).toEqual({ state: 'open', until: clock.ms + 10_000 });
    });

    it('counts failures per instance: three instances failing once each do not open it', async () => {
        const { clock, breakers } = fleetOfBreakers();
        for (const br of breakers) br.failed(clock.ms);
        for (const br of breakers) br.failed(clock.ms);
        await settle();
        expect(await breakers[0].allow(clock.ms)).toBe(true);
    });

    it('lets exactly one instance of the fleet probe when the open interval has passed', async () => {
        const { clock, breakers } = fleetOfBreakers();
        for (let i = 0; i < 3; i++) breakers[0].failed(clock.ms);
        await settle();
        clock.ms += 10_000;
        const askers = [...breakers, ...breakers];
        const answers = await Promise.all(askers.map((br) => br.allow(clock.ms)));
        expect(answers.filter(Boolean)).toHaveLength(1);
        expect(breakers.map((br) => br.snapshot.state)).toEqual(['halfOpen', 'halfOpen', 'halfOpen']);
        // The winner's probe fails: open again for all (its instance lost a race with itself and still knows it won).
        askers[answers.indexOf(true)]?.failed(clock.ms);
        await settle();
        expect(await breakers[1].allow(clock.ms)).toBe(false);
        expect(breakers[1].snapshot).toEqual({ state: 'open', until: clock.ms + 10_000 });
    });

    it('closes for every instance when the probe succeeds, and opens again for all when it fails', async () => {
        for (const outcome of ['succeeded', 'failed'] as const) {
            const { clock, breakers } = fleetOfBreakers();
            const [a, b, c] = breakers;
            for (let i = 0; i < 3; i++) a.failed(clock.ms);
            await settle();
            clock.ms += 10_000;
            expect(await c.allow(clock.ms)).toBe(true);
            if (outcome === 'succeeded') c.succeeded();
            else c.failed(clock.ms);
            await settle();
            await settle();
            const after = [await a.allow(clock.ms), await b.allow(clock.ms)];
            if (outcome === 'succeeded') expect(after).toEqual([true, true]);
            else {
                expect(after).toEqual([false, false]);
                expect(a.snapshot).toEqual({ state: 'open', until: clock.ms + 10_000 });
            }
        }
    });

    it('lets another instance take over a probe that never answered (its instance died)', async () => {
        const { clock, breakers } = fleetOfBreakers();
        const [a, b] = breakers;
        for (let i = 0; i < 3; i++) a.failed(clock.ms);
        await settle();
        clock.ms += 10_000;
        expect(await a.allow(clock.ms)).toBe(true);
        // a dies with its probe in flight.
        expect(await b.allow(clock.ms + 9_999)).toBe(false);
        expect(await b.allow(clock.ms + 10_000)).toBe(true);
    });

    it('closes the fleet when the condition probe (another instance, idle until now) finds the ERP up', async () => {
        const store = new MemoryErpFleetStateStore();
        const { clock, breakers } = fleetOfBreakers(store);
        for (let i = 0; i < 3; i++) breakers[0].failed(clock.ms);
        await settle();
        const closing = (await store.read()).breaker;
        expect(closing.state).toBe('open');
        // The timer's instance has never looked at the shared state: it reads before deciding there is nothing to close.
        breakers[2].succeeded();
        await settle();
        await settle();
        expect((await store.read()).breaker).toEqual({ state: 'closed' } satisfies ErpFleetState['breaker']);
    });

    it('lets calls that queued before it opened go only while closed; in half-open only the probing instance, once', async () => {
        const { clock, breakers } = fleetOfBreakers();
        const [a, b] = breakers;
        expect(a.stillAllows()).toBe(true);
        for (let i = 0; i < 3; i++) a.failed(clock.ms);
        await settle();
        await b.allow(clock.ms);
        expect([a.stillAllows(), b.stillAllows()]).toEqual([false, false]);
        clock.ms += 10_000;
        expect(await b.allow(clock.ms)).toBe(true);
        await a.allow(clock.ms);
        expect([a.stillAllows(), b.stillAllows(), b.stillAllows()]).toEqual([false, true, false]);
    });
});
