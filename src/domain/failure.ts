/** Who must act on a failure: the integration team fixes defects, operations teams clear business blocks. */
export const owners = ['integration', 'finance', 'project', 'salesOperations'] as const;
export type Owner = (typeof owners)[number];

/**
 * Every failed ERP or CRM call is exactly one of these (the failure taxonomy, see docs/failure-taxonomy.md).
 * - transient: retry by itself (timeouts, 5xx, 429, expired token)
 * - defect: retrying cannot fix it; the integration team must (mapping, schema, 400)
 * - blocked: the data is right but the business is not ready (frozen period, milestone not reached)
 * - duplicate: the unique reference already exists in the ERP; never pushed again
 */
export type FailureClass = 'transient' | 'defect' | 'blocked' | 'duplicate';

export interface Failure {
    class: FailureClass;
    /** Stable machine code, e.g. `ERP_PERIOD_FROZEN`, `LOOKUP_MISSING`, `HTTP_503`. */
    code: string;
    /** Human-readable reason; never contains personal data. */
    message: string;
    owner: Owner;
    /** For transient failures: the delay the remote side asked for (Retry-After), in ms. */
    retryAfterMs?: number;
    /** For blocked failures: the condition it waits on, e.g. `period 2026-11 frozen`. */
    condition?: string;
    /** Structured facts behind the condition (period, buildingCode, requiredPercent, dependsOn, reference). */
    details?: Record<string, string | number>;
}

/** A CRM row the map cannot read (a required column empty, a value of the wrong kind): a defect for the table's data owner. */
export const crmRowInvalid = 'CRM_ROW_INVALID';
