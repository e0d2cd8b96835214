import { z } from 'zod';

/**
 * What every instance of the app shares about the one ERP they all call (docs/erp-fleet-limit.md): which calls each
 * instance may make (its lanes of the fleet's call grid), when the ERP last asked everyone to wait (a 429's
 * Retry-After), and whether the ERP is considered down (the circuit breaker). Times are epoch milliseconds.
 */
export const erpFleetStateSchema = z
    .object({
        /**
         * The call grid in force: `ratePerSec` evenly spaced call points per second (the ERP's limit), point k being
         * lane k mod `lanes`. No lane is usable before `since` (a new grid after a change of the limit).
         */
        grid: z
            .object({
                ratePerSec: z.number().positive(),
                lanes: z.number().int().positive(),
                since: z.number(),
            })
            .strict()
            .nullable(),
        /** Each live instance: the lanes it holds until `expiresAt`, how many it could use, the limit it was given. */
        members: z.record(
            z.string().min(1),
            z
                .object({
                    lanes: z.array(z.number().int().min(0)),
                    expiresAt: z.number(),
                    wants: z.number().int().min(0),
                    configuredRatePerSec: z.number().min(0),
                })
                .strict(),
        ),
        /** No instance calls the ERP before this: the latest Retry-After any of them was given. */
        pausedUntil: z.number(),
        breaker: z.discriminatedUnion('state', [
            z.object({ state: z.literal('closed') }).strict(),
            /** Opened by `by` after its failures (or a failed probe); a probe is due at `until`. */
            z.object({ state: z.literal('open'), until: z.number(), by: z.string() }).strict(),
            /** One instance, `prober`, makes the one probe call for the fleet; another may take over at `probeUntil`. */
            z.object({ state: z.literal('halfOpen'), prober: z.string(), probeUntil: z.number() }).strict(),
        ]),
    })
    .strict();

export type ErpFleetState = z.infer<typeof erpFleetStateSchema>;
export type FleetMember = ErpFleetState['members'][string];
export type FleetBreakerState = ErpFleetState['breaker'];

export function emptyFleetState(): ErpFleetState {
    return { grid: null, members: {}, pausedUntil: 0, breaker: { state: 'closed' } };
}

/** A state about to be stored must be valid itself: a wrong one would stop every instance at its next read. */
export function storableFleetState(state: ErpFleetState): ErpFleetState {
    const result = erpFleetStateSchema.safeParse(state);
    if (!result.success)
        throw new Error(`refusing to store an ERP fleet state not in its schema: ${z.prettifyError(result.error)}`);
    return result.data;
}

/**
 * The shared state, held where every instance can reach it (Table Storage in Azure and on Azurite; one object in
 * memory for tests), changed only by compare-and-set so two instances never overwrite each other's change.
 */
export interface ErpFleetStateStore {
    /** The state as stored now (the empty state before anything was written). */
    read(): Promise<ErpFleetState>;
    /**
     * Applies `change` to the current state and stores the result, unless another instance wrote in between: then
     * `change` runs again on the newer state (so it must be pure). `change` returns undefined to write nothing.
     * Resolves to the state in force afterwards. A StoreConflictError when writers kept colliding.
     */
    update(change: (current: ErpFleetState) => ErpFleetState | undefined): Promise<ErpFleetState>;
}

/** The stored state is not in the shape this version writes: an operator must look (or delete it to start afresh). */
export class FleetStateUnreadableError extends Error {
    readonly code = 'ERP_FLEET_STATE_UNREADABLE';
    readonly owner = 'integration';
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'FleetStateUnreadableError';
    }
}
