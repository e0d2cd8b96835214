import { readFileSync } from 'node:fs';
import { HttpRequest, InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDataverseEventsHandler } from '../../functions/handlers/dataverseEvents';
import type { Services } from '../../functions/services';
import type { OutgoingMessage } from '../../src/ports/sessionQueue';
import { memoryServices } from '../support/memoryServices';

const fixture = readFileSync('test/fixtures/dataverse/reservation-create.json', 'utf8');
const secret = 'fuzz-header-secret-0123456789';

function services(sent: OutgoingMessage[]): Services {
    const s = memoryServices({
        settings: {
            INTAKE_AUTH_MODE: 'header',
            WEBHOOK_HEADER_NAME: 'x-webhook-key',
            WEBHOOK_HEADER_SECRET: secret,
            MAX_DELIVERY_COUNT: 10,
            TRANSACTIONS_QUEUE_NAME: 'q',
        },
        queue: { send: async (m) => void sent.push(...m) },
    });
    return s;
}

/** Hostile bodies: random JSON, truncated and corrupted real payloads, wrong types in real payloads, huge bodies. */
const hostileBody = fc.oneof(
    fc.json(),
    fc.string(),
    fc.integer({ min: 1, max: fixture.length - 1 }).map((n) => fixture.slice(0, n)),
    fc
        .tuple(fc.integer({ min: 0, max: fixture.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }))
        .map(([i, s]) => fixture.slice(0, i) + s + fixture.slice(i + 1)),
    fc
        .constantFrom('"Value":1250000', '"Id":"', '"__type":"Money', '"key":"re_status"')
        .chain((needle) =>
            fc
                .constantFrom('null', '"text"', '[]', '{}', 'true')
                .map((bad) => fixture.replace(new RegExp(`${needle}[^,}]*`), `${needle.split(':')[0]}:${bad}`)),
        ),
    fc.constant('x'.repeat(1024 * 1024 + 10)),
);

describe('intake under hostile input (fast-check)', () => {
    it('answers every malformed, truncated, mistyped or oversized body with a clear 4xx and enqueues nothing', async () => {
        await fc.assert(
            fc.asyncProperty(hostileBody, async (body) => {
                const sent: OutgoingMessage[] = [];
                const handler = createDataverseEventsHandler(async () => services(sent));
                const request = new HttpRequest({
                    method: 'POST',
                    url: 'http://localhost/api/dataverse/events',
                    body: { string: body },
                    headers: { 'x-webhook-key': secret },
                });
                const res = await handler(request, new InvocationContext({ logHandler: () => {} }));
                if (res.status === 202) {
                    // A corruption that still forms a valid event is accepted or ignored like any event.
                    expect(['accepted', 'ignored']).toContain((res.jsonBody as { status: string }).status);
                    return;
                }
                expect([400, 413]).toContain(res.status);
                const error = (res.jsonBody as { error?: { code?: string; message?: string } }).error;
                expect(typeof error?.code).toBe('string');
                expect(error?.message?.length).toBeGreaterThan(0);
                expect(sent).toEqual([]);
            }),
            { numRuns: 300 },
        );
    });

    it('answers 401 to any wrong or missing secret and enqueues nothing', async () => {
        await fc.assert(
            fc.asyncProperty(fc.option(fc.string({ maxLength: 40 }).filter((s) => s !== secret)), async (presented) => {
                const sent: OutgoingMessage[] = [];
                const handler = createDataverseEventsHandler(async () => services(sent));
                const headers: Record<string, string> = presented === null ? {} : { 'x-webhook-key': presented };
                const res = await handler(
                    new HttpRequest({
                        method: 'POST',
                        url: 'http://localhost/api/dataverse/events',
                        body: { string: fixture },
                        headers,
                    }),
                    new InvocationContext({ logHandler: () => {} }),
                );
                expect(res.status).toBe(401);
                expect(sent).toEqual([]);
            }),
            { numRuns: 100 },
        );
    });
});
