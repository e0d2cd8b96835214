import type { TransactionType } from '../domain/transaction';

/** One ERP call, metered: first attempts apart from retries, by type and outcome, per UTC day. */
export interface MeteredCall {
    day: string;
    /** The transaction type, or `probe` for a condition probe. */
    type: TransactionType | 'probe';
    attempt: 'first' | 'retry' | 'probe';
    outcome: 'ok' | 'transient' | 'defect' | 'blocked' | 'duplicate';
}

export interface DayMeter {
    day: string;
    calls: number;
    firstAttempts: number;
    retries: number;
    probes: number;
    byType: Record<string, { calls: number; retries: number }>;
    byOutcome: Record<string, number>;
}

export interface CallMeter {
    record(call: MeteredCall): Promise<void>;
    read(day: string): Promise<DayMeter>;
}

export function emptyDay(day: string): DayMeter {
    return { day, calls: 0, firstAttempts: 0, retries: 0, probes: 0, byType: {}, byOutcome: {} };
}

export function addCall(meter: DayMeter, call: MeteredCall): DayMeter {
    const type = meter.byType[call.type] ?? { calls: 0, retries: 0 };
    return {
        ...meter,
        calls: meter.calls + 1,
        firstAttempts: meter.firstAttempts + (call.attempt === 'first' ? 1 : 0),
        retries: meter.retries + (call.attempt === 'retry' ? 1 : 0),
        probes: meter.probes + (call.attempt === 'probe' ? 1 : 0),
        byType: {
            ...meter.byType,
            [call.type]: { calls: type.calls + 1, retries: type.retries + (call.attempt === 'retry' ? 1 : 0) },
        },
        byOutcome: { ...meter.byOutcome, [call.outcome]: (meter.byOutcome[call.outcome] ?? 0) + 1 },
    };
}

/** Two counts of one day added up (each instance keeps its own; the day is their sum). */
export function sumDays(a: DayMeter, b: DayMeter): DayMeter {
    const byType: DayMeter['byType'] = { ...a.byType };
    for (const [type, n] of Object.entries(b.byType)) {
        const m = byType[type] ?? { calls: 0, retries: 0 };
        byType[type] = { calls: m.calls + n.calls, retries: m.retries + n.retries };
    }
    const byOutcome: DayMeter['byOutcome'] = { ...a.byOutcome };
    for (const [outcome, n] of Object.entries(b.byOutcome)) byOutcome[outcome] = (byOutcome[outcome] ?? 0) + n;
    return {
        day: a.day,
        calls: a.calls + b.calls,
        firstAttempts: a.firstAttempts + b.firstAttempts,
        retries: a.retries + b.retries,
        probes: a.probes + b.probes,
        byType,
        byOutcome,
    };
}
