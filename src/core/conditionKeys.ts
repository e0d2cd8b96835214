import type { Failure } from '../domain/failure';
import type { Condition, ConditionKind } from '../ports/conditionStore';

export const erpUnavailableKey = 'ERP unavailable';

/** The failure that parks transactions while the circuit is open: one probe per interval instead of a retry storm. */
export function erpUnavailable(reason: string): Failure {
    return {
        class: 'transient',
        code: 'ERP_UNAVAILABLE',
        message: `ERP unavailable: ${reason}`,
        owner: 'integration',
        condition: erpUnavailableKey,
        details: {},
    };
}

export const crmUnavailableKey = 'CRM unavailable';

/**
 * What a posted transaction waits on while Dataverse cannot take its write-back: the ERP side goes on, the CRM rows
 * catch up in order when it answers again (the probe asks once per interval).
 */
export function crmUnavailable(reason: string): Failure {
    return {
        class: 'transient',
        code: 'CRM_UNAVAILABLE',
        message: `CRM unavailable: ${reason}`,
        owner: 'integration',
        condition: crmUnavailableKey,
        details: {},
    };
}

export function retryBudgetExhausted(day: string): Failure {
    return {
        class: 'transient',
        code: 'RETRY_BUDGET_EXHAUSTED',
        message: `the daily retry budget is spent for ${day}; retries resume tomorrow or when an operator reprocesses`,
        owner: 'integration',
        condition: `retry budget exhausted ${day}`,
        details: { day },
    };
}

const kindsByCode: Array<[RegExp, ConditionKind]> = [
    [/PERIOD/, 'period'],
    [/MILESTONE/, 'milestone'],
    [/DEPENDENCY/, 'dependency'],
    [/ACTIVE_RESERVATION/, 'activePlan'],
    [/^RETRY_BUDGET_EXHAUSTED$/, 'retryBudget'],
];

/** What kind of condition a failure waits on, from its code (periods and outages are probed; others clear on events). */
export function conditionFor(failure: Failure & { condition: string }, since: string): Omit<Condition, 'status'> {
    const kind: ConditionKind =
        failure.condition === erpUnavailableKey
            ? 'erpUnavailable'
            : failure.condition === crmUnavailableKey
              ? 'crmUnavailable'
              : (kindsByCode.find(([pattern]) => pattern.test(failure.code))?.[1] ?? 'other');
    return { key: failure.condition, kind, owner: failure.owner, since, details: failure.details ?? {} };
}
