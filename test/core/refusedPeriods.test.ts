import { describe, expect, it } from 'vitest';
import { RefusedPeriods } from '../../src/core/refusedPeriods';
import type { ErpPostOutcome, ErpRequest } from '../../src/ports/erpClient';

const request = (postingDate: string): ErpRequest => ({
    method: 'PUT',
    path: '/erp/v1/receipts/R-1',
    target: { resource: 'receipts', reference: 'R-1' },
    idempotencyKey: 'k',
    body: { postingDate },
    correlationId: 'c',
});
const refusedBecause = (condition: string): ErpPostOutcome => ({
    kind: 'failed',
    status: 422,
    failure: { class: 'blocked', code: 'PERIOD_FROZEN', message: 'frozen', owner: 'finance', condition },
});

describe('RefusedPeriods', () => {
    it('remembers a frozen or closed period for 5 s, for postings into that period only', () => {
        let now = 0;
        const refused = new RefusedPeriods(() => now);
        refused.note(request('2026-11-20'), refusedBecause('period 2026-11 frozen'));
        refused.note(request('2026-10-20'), refusedBecause('period 2026-10 closed'));
        expect(refused.refusal(request('2026-11-02'))).toMatchObject({
            condition: 'period 2026-11 frozen',
            message: 'frozen (refused moments ago; not sent)',
        });
        expect(refused.refusal(request('2026-10-31'))?.condition).toBe('period 2026-10 closed');
        expect(refused.refusal(request('2026-12-01'))).toBeUndefined();
        now = 4_999;
        expect(refused.refusal(request('2026-11-02'))).toBeDefined();
        now = 5_000;
        expect(refused.refusal(request('2026-11-02'))).toBeUndefined();
    });

    it('forgets a period once a posting into it is accepted, and ignores other refusals', () => {
        const refused = new RefusedPeriods(() => 0);
        refused.note(request('2026-11-20'), refusedBecause('period 2026-11 frozen'));
        refused.note(request('2026-11-21'), { kind: 'posted', postingId: 'P', replayed: false });
        expect(refused.refusal(request('2026-11-22'))).toBeUndefined();
        refused.note(request('2026-11-20'), refusedBecause('ERP unavailable'));
        // A refusal naming another period than the posting's is not this posting's period.
        refused.note(request('2026-11-20'), refusedBecause('period 2026-10 frozen'));
        expect(refused.refusal(request('2026-11-22'))).toBeUndefined();
        expect(refused.refusal(request('2026-10-22'))).toBeUndefined();
    });
});
