import { randomUUID } from 'node:crypto';
import { ConfigError } from '../config/configError';

/**
 * One run of the session handler, as the host gives it: an id (the owner of the ERP call claims it makes) and the
 * time by which its work must be done. The session lock is renewed only up to the host's maxAutoLockRenewalDuration
 * and the function stops at functionTimeout; work started later than that could outlive the lock, and another
 * instance would take the session while this one still writes. So a handler starts another transaction only while
 * one more whole attempt (ERP call, CRM write-back, store writes) fits before the deadline; what remains continues in
 * a drain message, in the same session.
 */
export interface Invocation {
    id: string;
    /** Epoch ms: every attempt this invocation starts must be able to end by then. */
    deadlineMs: number;
}

/** How long the handler's work may take, and how long one attempt may (both from settings and host.json). */
export interface WorkBudget {
    /** From the invocation's start: the lock renewal and function timeout, less a margin. */
    invocationMs: number;
    /** The longest one attempt can take: ERP timeout + Dataverse timeout + store round trips. */
    attemptMs: number;
    /** How long an ERP call can be in flight (the ERP client's timeout plus a margin): the length of a claim. */
    erpCallMs: number;
}

export function startInvocation(
    nowMs: number,
    budget: Pick<WorkBudget, 'invocationMs'>,
    id: string = randomUUID(),
): Invocation {
    return { id, deadlineMs: nowMs + budget.invocationMs };
}

/** Whether one more attempt, started now, ends before the invocation's deadline. */
export function attemptFits(invocation: Invocation, nowMs: number, budget: Pick<WorkBudget, 'attemptMs'>): boolean {
    return nowMs + budget.attemptMs <= invocation.deadlineMs;
}

/**
 * The budget from host.json and the client timeouts. A lock renewal or function timeout too short for two whole
 * attempts is a configuration error: a handler could not even finish the transaction its message brought.
 */
export function workBudget(limits: {
    functionTimeoutMs: number;
    maxAutoLockRenewalMs: number;
    erpTimeoutMs: number;
    dataverseTimeoutMs: number;
}): WorkBudget {
    // Room for the store writes, the queue sends and the host settling the message after the handler returns.
    const marginMs = 15_000;
    const budget: WorkBudget = {
        invocationMs: Math.min(limits.functionTimeoutMs, limits.maxAutoLockRenewalMs) - marginMs,
        attemptMs: limits.erpTimeoutMs + limits.dataverseTimeoutMs + marginMs,
        erpCallMs: limits.erpTimeoutMs + 5_000,
    };
    if (budget.invocationMs < 2 * budget.attemptMs)
        throw new ConfigError(
            'host.json functionTimeout / extensions.serviceBus.maxAutoLockRenewalDuration',
            `${Math.min(limits.functionTimeoutMs, limits.maxAutoLockRenewalMs)} ms leaves less than two attempts of ` +
                'ERP_TIMEOUT_MS + DATAVERSE_TIMEOUT_MS (+15 s each): raise them or lower the timeouts',
        );
    return budget;
}
