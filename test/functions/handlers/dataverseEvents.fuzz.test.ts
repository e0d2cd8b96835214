import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRegistrations } from '../../../functions/registrations';
import { type LocalHost, startLocalHost } from '../../../local/localHost';
import type { OutgoingMessage } from '../../../src/ports/sessionQueue';
import { memoryServices } from '../../support/memoryServices';

const fixture = readFileSync('test/fixtures/dataverse/reservation-create.json', 'utf8');
const functionKey = 'fuzz-function-key-0123456789abcdef';

/**
 * The webhook over real HTTP through the local host (function key check, routing, body reading, the handler), with
 * hostile bodies and keys. test/functions/intakeFuzz.test.ts covers the handler in-process with more runs; this one
 * holds the host to the same contract: a clear 4xx each time, nothing enqueued, and the process still answers.
 */
describe('the webhook endpoint over HTTP under hostile input (fast-check)', () => {
    const sent: OutgoingMessage[] = [];
    let host: LocalHost;
    const services = memoryServices({ queue: { send: async (m) => void sent.push(...m) } });

    beforeAll(async () => {
        host = await startLocalHost({
            registrations: buildRegistrations(async () => services, 'functionKey'),
            functionKey,
            port: 0,
        });
    });
    afterAll(async () => {
        await host?.close();
    });

    const post = (body: string | Uint8Array, key: string | null, contentType = 'application/json') =>
        fetch(`${host.url}/api/dataverse/events${key === null ? '' : `?code=${encodeURIComponent(key)}`}`, {
            method: 'POST',
            headers: { 'content-type': contentType },
            body,
        });

    const hostile = fc.oneof(
        fc.json(),
        fc.string(),
        fc.uint8Array({ maxLength: 2000 }),
        fc.integer({ min: 1, max: fixture.length - 1 }).map((n) => fixture.slice(0, n)),
        fc
            .tuple(fc.integer({ min: 0, max: fixture.length - 1 }), fc.string({ minLength: 1, maxLength: 4 }))
            .map(([i, s]) => fixture.slice(0, i) + s + fixture.slice(i + 1)),
        fc.constant(`{"x":"${'y'.repeat(2 * 1024 * 1024)}"}`),
    );

    it('answers every hostile body with a clear 4xx (or treats a still-valid corruption like any event)', async () => {
        await fc.assert(
            fc.asyncProperty(hostile, async (body) => {
                const before = sent.length;
                const res = await post(body, functionKey);
                const json = (await res.json().catch(() => undefined)) as
                    | { status?: string; error?: { code?: string; message?: string } }
                    | undefined;
                if (res.status === 202) {
                    expect(['accepted', 'ignored']).toContain(json?.status);
                    return;
                }
                expect(res.status).toBeGreaterThanOrEqual(400);
                expect(res.status).toBeLessThan(500);
                expect(typeof json?.error?.code).toBe('string');
                expect(json?.error?.message?.length).toBeGreaterThan(0);
                expect(sent.length).toBe(before);
            }),
            { numRuns: 60 },
        );
    }, 120_000);

    it('answers 401 to a wrong or missing function key and enqueues nothing', async () => {
        await fc.assert(
            fc.asyncProperty(fc.option(fc.string({ maxLength: 60 }).filter((k) => k !== functionKey)), async (key) => {
                const before = sent.length;
                const res = await post(fixture, key);
                expect(res.status).toBe(401);
                expect(sent.length).toBe(before);
            }),
            { numRuns: 40 },
        );
    }, 60_000);

    it('is still up and serving afterwards', async () => {
        const res = await fetch(`${host.url}/api/health`);
        expect(res.status).toBe(200);
        const before = sent.length;
        const valid = await post(fixture, functionKey);
        expect(valid.status).toBe(202);
        expect(sent.length).toBe(before + 1);
    });
});
