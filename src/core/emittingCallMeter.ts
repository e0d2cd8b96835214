import type { CallMeter, DayMeter, MeteredCall } from '../ports/callMeter';
import type { MetricsSink } from '../ports/metricsSink';

/** The call meter, also emitted as the `erp.calls` counter (by type, first attempt / retry / probe, and outcome). */
export function emittingCallMeter(inner: CallMeter, sink: MetricsSink): CallMeter {
    return {
        async record(call: MeteredCall): Promise<void> {
            sink.add('erp.calls', 1, { type: call.type, attempt: call.attempt, outcome: call.outcome });
            await inner.record(call);
        },
        read: (day: string): Promise<DayMeter> => inner.read(day),
    };
}
