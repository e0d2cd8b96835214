import type { Posting } from '../sandbox/erp/erpBooks';
import type { LaunchUsage } from './costModel';

export interface LaunchReport {
    scenario: string;
    /** Function instances that processed the launch. */
    instances: number;
    sent: number;
    accepted: number;
    posted: number;
    parked: number;
    held: number;
    inReview: number;
    deadLettered: number;
    stale: number;
    lost: number;
    duplicatePostings: number;
    orderViolations: number;
    activePlansOverOne: number;
    erpCalls: number;
    erpCallsPerPosting: number;
    /** The most calls the sandbox ERP received within any one second (sliding, from its request log, 429s included). */
    erpPeakCallsPerSec: number;
    /** Every call the sandbox ERP answered, by status (429: rate-limited, 503: unavailable). */
    erpCallsByStatus: Record<string, number>;
    latencyMs: { p50: number; p95: number; p99: number };
    /** ERP postings per second of unblocked time (no freeze, no outage) over the rate limit. */
    erpUtilization: number | null;
    /** Transactions parked when the frozen period reopened. */
    parkedAtReopen: number;
    /** ERP calls (posts, look-ups, probes) between the outage's start and its end; null without an outage. */
    erpCallsDuringOutage: number | null;
    /** The ERP calls by kind: first posts, re-posts after a failure or a wait, condition probes, look-ups. */
    erpCallBreakdown: { firstPosts: number; retryPosts: number; probes: number; lookUps: number };
    reprocessAfterReopenMs: number | null;
    peakRssMb: number;
    durationMs: number;
    /** What the run used, for the cost model (sim/costModel.ts). */
    usage: LaunchUsage;
}

export function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) return 0;
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Postings under one idempotency key more than once, or one reference posted from two CRM records. */
export function countDuplicatePostings(postings: Posting[]): number {
    const byKey = new Map<string, number>();
    const sourcesByReference = new Map<string, Set<string>>();
    for (const p of postings) {
        byKey.set(p.idempotencyKey, (byKey.get(p.idempotencyKey) ?? 0) + 1);
        const ref = `${p.type}/${p.reference}`;
        sourcesByReference.set(ref, (sourcesByReference.get(ref) ?? new Set()).add(p.sourceRecordId));
    }
    return (
        [...byKey.values()].filter((n) => n > 1).length +
        [...sourcesByReference.values()].filter((s) => s.size > 1).length
    );
}

/** Units that at any moment held two active reservations, replaying the ledger in arrival order. */
export function countActivePlansOverOne(postings: Posting[]): number {
    const status = new Map<string, { unit: string; active: boolean }>();
    const offending = new Set<string>();
    for (const p of postings) {
        if (p.type !== 'reservations') continue;
        const unit = String(p.body.unitCode);
        status.set(p.reference, { unit, active: p.body.status !== 'cancelled' });
        const active = [...status.values()].filter((s) => s.unit === unit && s.active).length;
        if (active > 1) offending.add(unit);
    }
    return offending.size;
}

/** Pairs of a unit's transactions that reached the ERP in the opposite order from the CRM's. */
export function countOrderViolations(crmOrderBySession: Map<string, string[]>, postings: Posting[]): number {
    const position = new Map<string, number>();
    postings.forEach((p, i) => {
        if (!position.has(p.idempotencyKey)) position.set(p.idempotencyKey, i);
    });
    let violations = 0;
    for (const ids of crmOrderBySession.values()) {
        const seen = ids.map((id) => position.get(id)).filter((x): x is number => x !== undefined);
        for (let i = 1; i < seen.length; i++) if ((seen[i] ?? 0) < (seen[i - 1] ?? 0)) violations++;
    }
    return violations;
}
