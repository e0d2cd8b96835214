import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxGraph, startSandboxGraph } from '../../../sandbox/graph/sandboxGraphServer';

let sandbox: SandboxGraph;
const auth = { Authorization: 'Bearer graph-token', 'Content-Type': 'application/json' };
const mail = {
    message: {
        subject: 'Handover',
        body: { contentType: 'HTML', content: '<p>Ready</p>' },
        toRecipients: [{ emailAddress: { address: 'owner@example.org' } }],
    },
    saveToSentItems: false,
};
const card = { type: 'AdaptiveCard', version: '1.4', body: [] };
const chatMessage = {
    body: { contentType: 'html', content: '<attachment id="a1"></attachment>' },
    attachments: [{ id: 'a1', contentType: 'application/vnd.microsoft.card.adaptive', content: JSON.stringify(card) }],
    summary: 'Notice',
};

async function post(path: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> {
    return fetch(`${sandbox.url}/v1.0/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
    const body = (await res.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(Object.keys(body.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
    return { code: body.error.code, message: body.error.message };
}

async function setFaults(faults: unknown): Promise<Response> {
    return fetch(`${sandbox.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify(faults) });
}

beforeAll(async () => {
    sandbox = await startSandboxGraph({ now: () => new Date('2026-03-02T10:00:00.000Z') });
});

afterAll(async () => {
    await sandbox.close();
});

afterEach(async () => {
    expect((await setFaults({})).status).toBe(204);
});

describe('sandbox Graph: sendMail', () => {
    it('accepts the documented body with 202 and an empty body, and records it', async () => {
        const res = await post('users/handover%40contoso.example/sendMail', mail);
        expect(res.status).toBe(202);
        expect(await res.text()).toBe('');
        const received = (await (await fetch(`${sandbox.url}/sandbox/mailbox`)).json()) as unknown[];
        expect(received.at(-1)).toEqual({
            mailbox: 'handover@contoso.example',
            subject: 'Handover',
            contentType: 'HTML',
            content: '<p>Ready</p>',
            to: ['owner@example.org'],
            saveToSentItems: false,
            request: mail,
            receivedAt: '2026-03-02T10:00:00.000Z',
        });
    });

    it('answers 401 InvalidAuthenticationToken without a bearer token', async () => {
        const res = await post('users/x@contoso.example/sendMail', mail, { 'Content-Type': 'application/json' });
        expect(res.status).toBe(401);
        expect(await errorOf(res)).toEqual({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    });

    it('refuses bad shapes with Graph error JSON', async () => {
        const noRecipients = await post('users/x@contoso.example/sendMail', {
            message: { ...mail.message, toRecipients: [] },
        });
        expect(noRecipients.status).toBe(400);
        expect(await errorOf(noRecipients)).toEqual({
            code: 'ErrorInvalidRecipients',
            message: 'At least one recipient is required, but none were found.',
        });
        const extra = await post('users/x@contoso.example/sendMail', { message: { ...mail.message, colour: 'red' } });
        expect(await errorOf(extra)).toEqual({
            code: 'RequestBodyRead',
            message:
                "The property 'colour' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type.",
        });
        const badType = await post('users/x@contoso.example/sendMail', {
            message: { ...mail.message, body: { contentType: 'markdown', content: 'x' } },
        });
        expect((await errorOf(badType)).message).toBe(
            "Cannot convert the literal 'markdown' to the expected type 'microsoft.graph.bodyType'.",
        );
        const notJson = await fetch(`${sandbox.url}/v1.0/users/x@contoso.example/sendMail`, {
            method: 'POST',
            headers: auth,
            body: '{',
        });
        expect(notJson.status).toBe(400);
        expect((await errorOf(notJson)).code).toBe('BadRequest');
    });

    it('answers 400 for a path it does not serve', async () => {
        const res = await post('me/sendMail', mail);
        expect(res.status).toBe(400);
        expect(await errorOf(res)).toEqual({ code: 'BadRequest', message: "Resource not found for the segment 'me'." });
    });
});

describe('sandbox Graph: channel messages', () => {
    it('creates the message with 201, an increasing id, and records it', async () => {
        const first = await post('teams/t1/channels/19%3Aops%40thread.tacv2/messages', chatMessage);
        const second = await post('teams/t1/channels/19%3Aops%40thread.tacv2/messages', chatMessage);
        expect(first.status).toBe(201);
        const created = (await first.json()) as Record<string, unknown>;
        const next = (await second.json()) as Record<string, unknown>;
        expect(created).toMatchObject({
            id: String(Date.parse('2026-03-02T10:00:00.000Z')),
            messageType: 'message',
            summary: 'Notice',
            channelIdentity: { teamId: 't1', channelId: '19:ops@thread.tacv2' },
            body: chatMessage.body,
            attachments: chatMessage.attachments,
        });
        expect(next.id).toBe(String(Date.parse('2026-03-02T10:00:00.000Z') + 1));
        const channels = (await (await fetch(`${sandbox.url}/sandbox/channels`)).json()) as Record<string, unknown>[];
        expect(channels.slice(-2).map((m) => [m.id, m.channelId, m.cards])).toEqual([
            [created.id, '19:ops@thread.tacv2', [card]],
            [next.id, '19:ops@thread.tacv2', [card]],
        ]);
    });

    it('refuses an attachment the body does not reference, and a card that is not an Adaptive Card', async () => {
        const unreferenced = await post('teams/t1/channels/c1/messages', {
            ...chatMessage,
            body: { contentType: 'html', content: '<p>no card</p>' },
        });
        expect(unreferenced.status).toBe(400);
        expect((await errorOf(unreferenced)).message).toBe(
            "Attachment with id 'a1' is not referenced in the message body.",
        );
        const notACard = await post('teams/t1/channels/c1/messages', {
            ...chatMessage,
            attachments: [{ ...chatMessage.attachments[0], content: '{"type":"MessageCard"}' }],
        });
        expect((await errorOf(notACard)).message).toBe("Attachment 'a1' is not a valid Adaptive Card.");
    });
});

describe('sandbox Graph: faults', () => {
    it('throttles with 429 and Retry-After: 2', async () => {
        expect((await setFaults({ throttle: true })).status).toBe(204);
        const res = await post('users/x@contoso.example/sendMail', mail);
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe('2');
        expect((await errorOf(res)).code).toBe('TooManyRequests');
    });

    it('answers 503 when down', async () => {
        expect((await setFaults({ down: true })).status).toBe(204);
        const res = await post('users/x@contoso.example/sendMail', mail);
        expect(res.status).toBe(503);
        expect((await errorOf(res)).code).toBe('serviceNotAvailable');
    });

    it('fails the same share of requests on every run with a seed', async () => {
        const outcomes = async () => {
            const seeded = await startSandboxGraph({ failureRate: 0.5, seed: 7 });
            const statuses: number[] = [];
            for (let i = 0; i < 8; i++) {
                const res = await fetch(`${seeded.url}/v1.0/users/x@contoso.example/sendMail`, {
                    method: 'POST',
                    headers: auth,
                    body: JSON.stringify(mail),
                });
                statuses.push(res.status);
                await res.arrayBuffer();
            }
            await seeded.close();
            return statuses;
        };
        expect(await outcomes()).toEqual([500, 500, 202, 202, 202, 500, 500, 500]);
        expect(await outcomes()).toEqual([500, 500, 202, 202, 202, 500, 500, 500]);
    });

    it('refuses malformed faults', async () => {
        expect((await setFaults({ failureRate: 2 })).status).toBe(400);
        expect((await setFaults({ throttle: 'yes' })).status).toBe(400);
    });
});
