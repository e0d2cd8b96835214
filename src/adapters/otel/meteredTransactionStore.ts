import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import { delegatingTransactionStore, type TransactionStore } from '../../ports/transactionStore';
import { metricNames } from '../../telemetry/telemetryNames';

/**
 * The transaction store, counting what it records: acceptances, every state entered, failures by class and owner,
 * and the latency from acceptance to the ERP posting and to the CRM confirmation. A decorator, so the core says
 * nothing about telemetry; attributes are types, states, classes, owners and codes only.
 */
export function meteredTransactionStore(inner: TransactionStore, meter: Meter): TransactionStore {
    const accepted: Counter = meter.createCounter(metricNames.accepted);
    const stateChanges: Counter = meter.createCounter(metricNames.stateChanges);
    const failures: Counter = meter.createCounter(metricNames.failures);
    const latency: Record<'posted' | 'confirmed', Histogram> = {
        posted: meter.createHistogram(metricNames.latencyPosted, { unit: 'ms' }),
        confirmed: meter.createHistogram(metricNames.latencyConfirmed, { unit: 'ms' }),
    };
    return {
        ...delegatingTransactionStore(inner),
        async recordAccepted(envelope, at) {
            await inner.recordAccepted(envelope, at);
            accepted.add(1, { type: envelope.type });
        },
        async updateState(transactionId, patch, at) {
            const record = await inner.updateState(transactionId, patch, at);
            const type = record.envelope.type;
            stateChanges.add(1, { state: patch.state, type });
            if (patch.lastFailure) {
                const { class: failureClass, owner, code } = patch.lastFailure;
                failures.add(1, { class: failureClass, owner, code, type });
            }
            if (patch.state === 'posted' || patch.state === 'confirmed') {
                const ms = Date.parse(at) - Date.parse(record.envelope.acceptedAt);
                if (Number.isFinite(ms) && ms >= 0) latency[patch.state].record(ms, { type });
            }
            return record;
        },
    };
}
