export interface CompletenessInput {
    /** What the source counted; null when it gave no count. */
    expected: number | null;
    /** The count stopped at the source's limit: it is a lower bound. */
    capped: boolean;
    /** Counted again after the export, when the first count did not match. */
    expectedAtEnd?: number;
    exported: number;
    distinctIds: number;
}

export type Completeness = { complete: true } | { complete: false; problem: string };

/**
 * Is an export complete? Every row written once (a row read twice could hide one never read), and as many rows as
 * the source counted, at the start or, since the CRM stays live during a weekly export, at the end.
 */
export function judgeCompleteness(c: CompletenessInput): Completeness {
    if (c.distinctIds !== c.exported) {
        return {
            complete: false,
            problem: `${c.exported - c.distinctIds} of ${c.exported} rows were read more than once`,
        };
    }
    if (c.expected === null) return { complete: false, problem: 'the source gave no row count to check against' };
    if (c.capped) {
        return c.exported >= c.expected
            ? { complete: true }
            : { complete: false, problem: `exported ${c.exported} rows, the source counted at least ${c.expected}` };
    }
    if (c.exported === c.expected || c.exported === c.expectedAtEnd) return { complete: true };
    const atEnd = c.expectedAtEnd === undefined ? '' : ` (${c.expectedAtEnd} at the end)`;
    return {
        complete: false,
        problem: `exported ${c.exported} rows, the source counted ${c.expected} at the start${atEnd}`,
    };
}
