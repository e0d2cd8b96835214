import { describe, expect, it } from 'vitest';
import { CallPacer, soloShare } from '../../src/core/callPacer';
import { pacedErpClient } from '../../src/core/pacedErpClient';
import { RefusedPeriods } from '../../src/core/refusedPeriods';
import type { ErpClient, ErpPostOutcome, ErpRequest } from '../../src/ports/erpClient';

function fakeTime() {
    let now = 0;
    const waits: number[] = [];
    return {
        now: () => now,
        sleep: async (ms: number) => {
            waits.push(ms);
            now += ms;
        },
        waits,
    };
}

const request = (postingDate = '2026-11-20'): ErpRequest => ({
    method: 'PUT',
    path: '/erp/v1/receipts/R-1',
    target: { resource: 'receipts', reference: 'R-1' },
    idempotencyKey: 'k',
    body: { postingDate },
    correlationId: 'c',
});

/** An ERP that answers from a list and counts what reached it. */
function scriptedErp(answers: ErpPostOutcome[]): ErpClient & { posts: number; reads: number } {
    const erp = {
        posts: 0,
        reads: 0,
        post: async () => {
            erp.posts++;
            return answers.shift() ?? { kind: 'posted' as const, postingId: 'P', replayed: false };
        },
        findPostings: async () => {
            erp.reads++;
            return [];
        },
        periodStatus: async () => {
            erp.reads++;
            return 'open' as const;
        },
    };
    return erp;
}

const frozen: ErpPostOutcome = {
    kind: 'failed',
    status: 422,
    failure: {
        class: 'blocked',
        code: 'PERIOD_FROZEN',
        message: 'period 2026-11 is frozen',
        owner: 'finance',
        condition: 'period 2026-11 frozen',
    },
};

describe('pacedErpClient', () => {
    it('pauses after a 429 for the Retry-After the ERP gave', async () => {
        const t = fakeTime();
        let answer429 = true;
        const inner: ErpClient = {
            post: async () =>
                answer429
                    ? {
                          kind: 'failed',
                          status: 429,
                          failure: {
                              class: 'transient',
                              code: 'ERP_RATE_LIMITED',
                              message: 'slow',
                              owner: 'integration',
                              retryAfterMs: 2000,
                          },
                      }
                    : { kind: 'posted', postingId: 'P', replayed: false },
            findPostings: async () => [],
            periodStatus: async () => 'open',
        };
        const client = pacedErpClient(inner, new CallPacer(soloShare(0), t));
        const request = {
            method: 'PUT' as const,
            path: '/x/1',
            target: { resource: 'x', reference: '1' },
            idempotencyKey: 'k',
            body: {},
            correlationId: 'c',
        };
        await client.post(request);
        answer429 = false;
        expect(await client.post(request)).toEqual({ kind: 'posted', postingId: 'P', replayed: false });
        expect(t.waits).toEqual([2000]);
    });

    it('does not send a posting whose slot came after the breaker opened; look-ups and probes still go', async () => {
        const erp = scriptedErp([]);
        let allows = false;
        const client = pacedErpClient(erp, new CallPacer(soloShare(0)), { breaker: { stillAllows: () => allows } });
        expect(await client.post(request())).toEqual({
            kind: 'failed',
            failure: expect.objectContaining({ code: 'ERP_UNAVAILABLE', condition: 'ERP unavailable' }),
            notSent: true,
        });
        await client.periodStatus('2026-11');
        await client.findPostings({ resource: 'receipts', reference: 'R-1' });
        expect([erp.posts, erp.reads]).toEqual([0, 2]);
        allows = true;
        expect((await client.post(request())).kind).toBe('posted');
    });

    it('does not send postings into a period the ERP refused moments ago; other periods still go', async () => {
        const t = fakeTime();
        const erp = scriptedErp([frozen]);
        const client = pacedErpClient(erp, new CallPacer(soloShare(0)), { refusedPeriods: new RefusedPeriods(t.now) });
        expect(await client.post(request())).toEqual(frozen);
        const held = await client.post(request('2026-11-28'));
        expect(held).toEqual({
            kind: 'failed',
            failure: expect.objectContaining({ code: 'PERIOD_FROZEN', condition: 'period 2026-11 frozen' }),
            notSent: true,
        });
        expect((await client.post(request('2026-12-01'))).kind).toBe('posted');
        expect(erp.posts).toBe(2);
    });
});
