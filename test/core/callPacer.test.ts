import { describe, expect, it } from 'vitest';
import { CallPacer } from '../../src/core/callPacer';
import { pacedErpClient } from '../../src/core/pacedErpClient';
import type { ErpClient } from '../../src/ports/erpClient';

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

describe('CallPacer', () => {
    it('spaces calls at the rate limit', async () => {
        const t = fakeTime();
        const pacer = new CallPacer(10, t.now, t.sleep);
        const releasedAt: number[] = [];
        for (let call = 0; call < 3; call++) {
            await pacer.acquire();
            releasedAt.push(t.now());
        }
        expect(releasedAt).toEqual([0, 100, 200]);
    });

    it('does not wait without a rate limit', async () => {
        const t = fakeTime();
        const pacer = new CallPacer(0, t.now, t.sleep);
        for (let i = 0; i < 5; i++) await pacer.acquire();
        expect(t.waits).toEqual([]);
    });

    it('holds every caller back for a Retry-After', async () => {
        const t = fakeTime();
        const pacer = new CallPacer(0, t.now, t.sleep);
        pacer.pause(1500);
        await pacer.acquire();
        expect(t.waits).toEqual([1500]);
    });
});

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
        const client = pacedErpClient(inner, new CallPacer(0, t.now, t.sleep));
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
});
