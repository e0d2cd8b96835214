import type { Alert } from '../../src/ports/alertStore';

/** An open alert as the alert pass groups failures (ERP postings refused for a missing mapping row). */
export function openAlert(id: string, at: string, overrides: Partial<Alert> = {}): Alert {
    return {
        id,
        groupKey: 'erpPosting|defect|LOOKUP_MISSING',
        title: 'ERP postings refused: mapping row missing',
        point: 'erpPosting',
        failureClass: 'defect',
        code: 'LOOKUP_MISSING',
        owner: 'integration',
        contact: 'integration team',
        action: 'add the mapping row, then retry from the review queue',
        samples: ['RCT-1'],
        count: 3,
        firstAt: at,
        lastAt: at,
        state: 'open',
        level: 0,
        levelSince: at,
        email: false,
        postedCount: 0,
        version: 0,
        ...overrides,
    };
}
