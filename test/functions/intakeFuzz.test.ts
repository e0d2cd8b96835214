import { readFileSync } from 'node:fs';
import { HttpRequest, InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDataverseEventsHandler } from '../../functions/handlers/dataverseEvents';
import { createProcessTransactionHandler } from '../../functions/handlers/processTransaction';
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

/** Runs a sent transaction through the session handler, as the queue trigger would. */
async function process(s: Services, message: OutgoingMessage | undefined): Promise<void> {
    const context = new InvocationContext({
        functionName: 'process-transaction',
        logHandler: () => {},
        triggerMetadata: { sessionId: message?.sessionId, deliveryCount: 1 },
    });
    await createProcessTransactionHandler(async () => s)(message?.body, context);
}

/** The required mapped columns of the reservation in the fixture, and values no column of the map can take. */
const requiredColumns = [
    're_name',
    're_unitid',
    're_buyerid',
    're_value',
    're_bookingamount',
    're_reservedon',
    're_status',
];
const badValue = fc.constantFrom<unknown>(
    null,
    true,
    [],
    {},
    { __type: 'Money:http://schemas.microsoft.com/xrm/2011/Contracts', Value: '12,5OO.00' },
    { __type: 'AliasedValue:http://schemas.microsoft.com/xrm/2011/Contracts', Value: 1 },
    { __type: 'OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts', Value: 'Active' },
);

describe('intake under hostile input (fast-check)', () => {
    it('answers every body that is not a Dataverse event (not JSON, not a context, oversized) with a clear 4xx and enqueues nothing; a corruption that still forms an event is accepted, and a bad row goes to review', async () => {
        await fc.assert(
            fc.asyncProperty(hostileBody, async (body) => {
                const sent: OutgoingMessage[] = [];
                const request = new HttpRequest({
                    method: 'POST',
                    url: 'http://localhost/api/dataverse/events',
                    body: { string: body },
                    headers: { 'x-webhook-key': secret },
                });
                const s = services(sent);
                const res = await createDataverseEventsHandler(async () => s)(
                    request,
                    new InvocationContext({ logHandler: () => {} }),
                );
                if (res.status === 202) {
                    // A corruption that still forms a Dataverse event is accepted or ignored like any event; one
                    // whose row the map cannot read is kept, and its attempt sends it to review.
                    const answer = res.jsonBody as { status: string; transactionId?: string; invalid?: unknown };
                    expect(['accepted', 'ignored']).toContain(answer.status);
                    if (answer.status === 'accepted' && answer.invalid) {
                        await process(s, sent[0]);
                        const record = await s.store.get(answer.transactionId ?? '');
                        expect([record?.state, record?.lastFailure?.code]).toEqual(['review', 'CRM_ROW_INVALID']);
                    }
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

    it('accepts a well-formed event whose required column is empty or of the wrong kind (202), and its attempt sends it to review naming that column, never to the ERP', async () => {
        await fc.assert(
            fc.asyncProperty(fc.constantFrom(...requiredColumns), badValue, async (column, value) => {
                const body = JSON.parse(fixture) as {
                    InputParameters: Array<{ value: { Attributes: Array<{ key: string; value: unknown }> } }>;
                };
                const attribute = body.InputParameters[0]?.value.Attributes.find((a) => a.key === column);
                if (!attribute) throw new Error(`the fixture has no ${column}`);
                attribute.value = value;
                const sent: OutgoingMessage[] = [];
                let erpCalls = 0;
                const s = services(sent);
                s.erp = {
                    ...s.erp,
                    post: async (r) => {
                        erpCalls++;
                        return { kind: 'posted', postingId: r.idempotencyKey, replayed: false };
                    },
                };
                const res = await createDataverseEventsHandler(async () => s)(
                    new HttpRequest({
                        method: 'POST',
                        url: 'http://localhost/api/dataverse/events',
                        body: { string: JSON.stringify(body) },
                        headers: { 'x-webhook-key': secret },
                    }),
                    new InvocationContext({ logHandler: () => {} }),
                );
                expect(res.status).toBe(202);
                const answer = res.jsonBody as { status: string; transactionId: string; invalid?: { field: string } };
                expect([answer.status, answer.invalid?.field]).toEqual(['accepted', `re_reservation.${column}`]);
                expect(sent).toHaveLength(1);
                await process(s, sent[0]);
                const record = await s.store.get(answer.transactionId);
                expect(record?.state).toBe('review');
                expect(record?.lastFailure).toMatchObject({
                    class: 'defect',
                    code: 'CRM_ROW_INVALID',
                    owner: 'salesOperations',
                    details: { field: `re_reservation.${column}` },
                });
                expect(erpCalls).toBe(0);
            }),
            { numRuns: 60 },
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
