import type { Meter } from '@opentelemetry/api';
import { openStates } from '../../domain/transactionRecord';
import type { TransactionStore } from '../../ports/transactionStore';
import { metricNames } from '../../telemetry/telemetryNames';

/**
 * Observable gauges read when the exporter collects (Azure Monitor: once a minute): transactions in each non-final
 * state and the age of the oldest parked one. Each collection lists the open states (a filtered scan in Table
 * Storage), at most once per `minIntervalMs` per worker; between scans the last reading is reported again.
 */
export function registerStateGauges(
    meter: Meter,
    store: Pick<TransactionStore, 'listByState'>,
    now: () => Date,
    options: { max?: number; minIntervalMs?: number } = {},
): void {
    const max = options.max ?? 10_000;
    const minIntervalMs = options.minIntervalMs ?? 55_000;
    const open = meter.createObservableGauge(metricNames.open);
    const oldest = meter.createObservableGauge(metricNames.parkedOldestAge, { unit: 's' });
    let last: { at: number; counts: [string, number][]; oldestAgeS: number } | undefined;

    const read = async () => {
        const t = now().getTime();
        if (last && t - last.at < minIntervalMs) return last;
        const lists = await Promise.all(openStates.map((s) => store.listByState(s, max)));
        const parkedSince = (lists[openStates.indexOf('parked')] ?? []).map((r) => Date.parse(r.updatedAt));
        const first = Math.min(...parkedSince.filter(Number.isFinite));
        last = {
            at: t,
            counts: openStates.map((s, i) => [s, lists[i]?.length ?? 0]),
            oldestAgeS: Number.isFinite(first) ? Math.max(0, Math.round((t - first) / 1000)) : 0,
        };
        return last;
    };

    meter.addBatchObservableCallback(
        async (result) => {
            // A store that cannot answer skips this reading rather than failing the whole export.
            const reading = await read().catch(() => undefined);
            if (!reading) return;
            for (const [state, count] of reading.counts) result.observe(open, count, { state });
            result.observe(oldest, reading.oldestAgeS);
        },
        [open, oldest],
    );
}
