import { describe, expect, it } from 'vitest';
import { type ErpFleetState, type ErpFleetStateStore, emptyFleetState } from '../../src/ports/erpFleetState';

const member = (lanes: number[], expiresAt = 10_000) => ({ lanes, expiresAt, wants: 4, configuredRatePerSec: 40 });

/**
 * Behaviours every ErpFleetStateStore must show (Table Storage on Azurite and the in-memory twin). `handles` gives two
 * handles on one shared state, as two Function instances have.
 */
export function runErpFleetStateStoreContract(
    name: string,
    handles: () => Promise<[ErpFleetStateStore, ErpFleetStateStore]>,
): void {
    describe(`ErpFleetStateStore contract: ${name}`, () => {
        it('reads the empty state before anything was written', async () => {
            const [a] = await handles();
            expect(await a.read()).toEqual(emptyFleetState());
        });

        it('stores what a change returns, and the other instance reads it', async () => {
            const [a, b] = await handles();
            const written = await a.update((s) => ({
                ...s,
                grid: { ratePerSec: 40, lanes: 64, since: 0 },
                members: { a: member([0, 1]) },
            }));
            expect(written.members).toEqual({ a: member([0, 1]) });
            expect(await b.read()).toEqual(written);
            const later = await b.update((s) => ({ ...s, pausedUntil: 5_000 }));
            expect(later).toEqual({ ...written, pausedUntil: 5_000 });
            expect(await a.read()).toEqual(later);
        });

        it('writes nothing when the change returns undefined, and answers the state in force', async () => {
            const [a, b] = await handles();
            await a.update((s) => ({ ...s, pausedUntil: 7 }));
            let seen: ErpFleetState | undefined;
            const answer = await b.update((s) => {
                seen = s;
                return undefined;
            });
            expect(seen?.pausedUntil).toBe(7);
            expect(answer.pausedUntil).toBe(7);
            expect(await a.read()).toEqual(answer);
        });

        it('loses no change when instances update at the same time: each change runs on the state before it', async () => {
            const [a, b] = await handles();
            await Promise.all(
                Array.from({ length: 12 }, (_, i) =>
                    (i % 2 === 0 ? a : b).update((s) => ({
                        ...s,
                        members: { ...s.members, [`i${i}`]: member([i]) },
                        // A counter only a change applied to the latest state keeps right.
                        pausedUntil: s.pausedUntil + 1,
                    })),
                ),
            );
            const final = await a.read();
            expect(Object.keys(final.members).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `i${i}`).sort());
            expect(final.pausedUntil).toBe(12);
        });

        it('hands out copies: changing what it answered or what a change was given stores nothing', async () => {
            const [a] = await handles();
            const read = await a.read();
            read.pausedUntil = 99;
            await a.update((s) => {
                s.pausedUntil = 42;
                return undefined;
            });
            expect((await a.read()).pausedUntil).toBe(0);
        });

        it('refuses to store a state outside its schema and keeps the one it had', async () => {
            const [a] = await handles();
            await a.update((s) => ({ ...s, pausedUntil: 3 }));
            const bad = { ...emptyFleetState(), breaker: { state: 'ajar' } } as unknown as ErpFleetState;
            await expect(a.update(() => bad)).rejects.toThrow(/not in its schema/);
            expect((await a.read()).pausedUntil).toBe(3);
        });
    });
}
