/**
 * The fleet's call grid: the ERP's limit of `ratePerSec` calls a second as evenly spaced points in time, point k at
 * k·1000/ratePerSec ms since the epoch, dealt out in `lanes` lanes (point k is lane k mod lanes). An instance calls
 * only at points of lanes it holds, and no lane is held twice, so however many instances call, any one second holds
 * at most the limit's points (give or take a call whose point fell at the window's edge and arrived late). Because
 * the points are on the wall clock, instances need no phase agreement beyond their clocks.
 */
export interface CallGrid {
    ratePerSec: number;
    lanes: number;
}

/** At least one lane per instance the app may scale to (infra/main.bicep: maximumInstanceCount 40), with room. */
export const minimumLanes = 64;

export function gridFor(ratePerSec: number): CallGrid {
    return { ratePerSec, lanes: Math.max(minimumLanes, Math.ceil(ratePerSec)) };
}

export function spacingMs(grid: CallGrid): number {
    return 1000 / grid.ratePerSec;
}

/** The time of point k (multiplied before divided, so whole-millisecond spacings stay exact). */
export function pointAt(grid: CallGrid, k: number): number {
    return (k * 1000) / grid.ratePerSec;
}

export function laneOf(grid: CallGrid, k: number): number {
    return ((k % grid.lanes) + grid.lanes) % grid.lanes;
}

/** The first point at or after `fromMs` on one of `lanes` ('all' = every lane); undefined with no lane. */
export function nextPoint(
    grid: CallGrid,
    lanes: ReadonlySet<number> | 'all',
    fromMs: number,
): { k: number; at: number } | undefined {
    if (lanes !== 'all' && lanes.size === 0) return undefined;
    let k = Math.ceil((fromMs * grid.ratePerSec) / 1000);
    // Rounding can put k's time a hair before fromMs.
    if (pointAt(grid, k) < fromMs) k++;
    for (let i = 0; i < grid.lanes; i++, k++) {
        if (lanes === 'all' || lanes.has(laneOf(grid, k))) return { k, at: pointAt(grid, k) };
    }
    return undefined;
}

/**
 * The order in which free lanes are taken and held ones given back: bit-reversed lane numbers, so that whatever number
 * an instance holds, its lanes lie spread over the cycle instead of in one burst (0, 32, 16, 48, 8, … of 64).
 */
export function laneOrder(lanes: number): number[] {
    const bits = Math.max(1, Math.ceil(Math.log2(lanes)));
    const reversed = (n: number) => {
        let r = 0;
        for (let b = 0; b < bits; b++) r |= ((n >> b) & 1) << (bits - 1 - b);
        return r;
    };
    return Array.from({ length: 2 ** bits }, (_, i) => reversed(i)).filter((lane) => lane < lanes);
}
