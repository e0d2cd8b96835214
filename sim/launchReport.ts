import type { Posting } from '../sandbox/erp/erpBooks';
import type { LaunchUsage } from './costModel';

export interface LaunchReport {
    scenario: string;
    /** Function instances that processed the launch. */
    instances: number;
    sent: number;
    accepted: number;
    posted: number;
    /** Of `posted`, those posted only after an operator re-drove them (a baseline's dead letters or failed runs). */
    redriven: number;
    /** A baseline's re-drive after the launch: transactions re-sent, messages re-sent, passes; null for ours. */
    redrive: { transactions: number; messages: number; passes: number } | null;
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
    /** ERP goodput over its rate limit while it could take postings: see erpGoodputShare. */
    erpUtilization: number | null;
    /** Transactions parked when the frozen period reopened. */
    parkedAtReopen: number;
    /** ERP calls (posts, look-ups, probes) between the outage's start and its end; null without an outage. */
    erpCallsDuringOutage: number | null;
    /** Posted to the ERP, their CRM rows not yet written (the CRM sync waits for Dataverse). */
    unconfirmed: number;
    /**
     * With a CRM outage: ERP postings made while Dataverse was down, the CRM rows written after it came back, and
     * whether each unit's rows were written in the order its transactions reached the ERP; null without one.
     */
    crmOutage: {
        seconds: number;
        erpPostingsDuringOutage: number;
        rowsWrittenAfterReturn: number;
        rowsInUnitOrder: boolean;
    } | null;
    /** The ERP calls by kind: first posts, re-posts after a failure or a wait, condition probes, look-ups. */
    erpCallBreakdown: { firstPosts: number; retryPosts: number; probes: number; lookUps: number };
    reprocessAfterReopenMs: number | null;
    peakRssMb: number;
    durationMs: number;
    /** What the run used, for the cost model (sim/costModel.ts). */
    usage: LaunchUsage;
}

/** A span in which the ERP could not take postings (a freeze, an outage); open while `to` is unset. */
export interface BlockedSpan {
    from: number;
    to?: number;
}

/**
 * ERP goodput as a share of its rate limit: the distinct transactions the ERP applied (each integrationReference
 * once, so neither a duplicate posting nor a refused, rate-limited or probing call counts), divided by rate limit ×
 * the seconds in which the ERP could take postings. Those seconds run from the first acceptance (the first moment
 * there was work for it) to the last posting counted, less the union of the blocked spans within that window (a
 * freeze and an outage that overlap are subtracted once; a span still open ends with the window). `before` leaves
 * out what an operator re-drove after the launch. Null without a rate limit or without a posting.
 */
export function erpGoodputShare(input: {
    postings: Posting[];
    firstAcceptedAt: number | undefined;
    blocked: BlockedSpan[];
    rateLimitPerSec: number;
    before?: number;
}): number | null {
    const firstPostedAt = new Map<string, number>();
    for (const p of input.postings) {
        const at = Date.parse(p.receivedAt);
        if (input.before !== undefined && at >= input.before) continue;
        if (!firstPostedAt.has(p.integrationReference)) firstPostedAt.set(p.integrationReference, at);
    }
    if (input.rateLimitPerSec <= 0 || firstPostedAt.size === 0) return null;
    let start = input.firstAcceptedAt ?? Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    for (const at of firstPostedAt.values()) {
        start = Math.min(start, at);
        end = Math.max(end, at);
    }
    const clipped = input.blocked
        .map((b) => ({ from: Math.max(b.from, start), to: Math.min(b.to ?? end, end) }))
        .filter((b) => b.to > b.from)
        .sort((a, b) => a.from - b.from);
    let blockedMs = 0;
    let reached = start;
    for (const b of clipped) {
        blockedMs += Math.max(0, b.to - Math.max(b.from, reached));
        reached = Math.max(reached, b.to);
    }
    const seconds = Math.max(0.001, (end - start - blockedMs) / 1000);
    return Math.round((firstPostedAt.size / seconds / input.rateLimitPerSec) * 100) / 100;
}

export function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) return 0;
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/**
 * From the raw ledger (every posting the ERP applied): transactions posted more than once (the same
 * integrationReference twice, whatever key they carried, so an ERP that keeps no keys cannot hide a re-push), plus
 * references posted from two CRM records.
 */
export function countDuplicatePostings(postings: Posting[]): number {
    const byTransaction = new Map<string, number>();
    const sourcesByReference = new Map<string, Set<string>>();
    for (const p of postings) {
        byTransaction.set(p.integrationReference, (byTransaction.get(p.integrationReference) ?? 0) + 1);
        const ref = `${p.type}/${p.reference}`;
        sourcesByReference.set(ref, (sourcesByReference.get(ref) ?? new Set()).add(p.sourceRecordId));
    }
    return (
        [...byTransaction.values()].filter((n) => n > 1).length +
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
        if (!position.has(p.integrationReference)) position.set(p.integrationReference, i);
    });
    let violations = 0;
    for (const ids of crmOrderBySession.values()) {
        const seen = ids.map((id) => position.get(id)).filter((x): x is number => x !== undefined);
        for (let i = 1; i < seen.length; i++) if ((seen[i] ?? 0) < (seen[i - 1] ?? 0)) violations++;
    }
    return violations;
}
