import type { TokenCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SandboxManagedIdentityCredential, sandboxGraphTokens } from '../../../local/sandboxIdentity';
import { type SandboxGraph, startSandboxGraph } from '../../../sandbox/graph/sandboxGraphServer';
import { accessToken, graphScope, teamsAppCredential } from '../../../src/adapters/graph/teamsAppCredential';

let sandbox: SandboxGraph;
const json = { 'Content-Type': 'application/json' };
/** Mail as the managed identity, channel messages as the Teams app (tokens issued by the sandbox's Entra). */
let mailAuth: Record<string, string>;
let channelAuth: Record<string, string>;
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

async function post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response> {
    const h = headers ?? (path.startsWith('teams/') ? channelAuth : mailAuth);
    return fetch(`${sandbox.url}/v1.0/${path}`, { method: 'POST', headers: h, body: JSON.stringify(body) });
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
    const tokens = sandboxGraphTokens(sandbox);
    mailAuth = { ...json, Authorization: `Bearer ${await tokens.getToken()}` };
    channelAuth = { ...json, Authorization: `Bearer ${await tokens.getChannelToken()}` };
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
        const res = await post('users/x@contoso.example/sendMail', mail, json);
        expect(res.status).toBe(401);
        expect(await errorOf(res)).toEqual({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    });

    it('answers 401 to a token it did not issue, and to one for another audience', async () => {
        const forged = `${mailAuth.Authorization?.slice(0, -4)}AAAA`;
        const res = await post('users/x@contoso.example/sendMail', mail, { ...json, Authorization: forged });
        expect(res.status).toBe(401);
        expect(await errorOf(res)).toEqual({
            code: 'InvalidAuthenticationToken',
            message: 'Access token validation failure. Invalid signature.',
        });
        const exchange = await fetch(`${sandbox.managedIdentityEndpoint}?resource=api://AzureADTokenExchange`);
        const { access_token } = (await exchange.json()) as { access_token: string };
        const wrongAudience = await post('users/x@contoso.example/sendMail', mail, {
            ...json,
            Authorization: `Bearer ${access_token}`,
        });
        expect(await errorOf(wrongAudience)).toEqual({
            code: 'InvalidAuthenticationToken',
            message: 'Access token validation failure. Invalid audience.',
        });
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
            headers: mailAuth,
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
            const auth = { ...json, Authorization: `Bearer ${await sandboxGraphTokens(seeded).getToken()}` };
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

describe('sandbox Entra ID: the Teams app is reached only from the managed identity', () => {
    const teamsApp = (managedIdentity: TokenCredential, clientId = sandbox.directory.teamsApp.clientId) =>
        teamsAppCredential({
            tenantId: sandbox.directory.tenantId,
            clientId,
            managedIdentity,
            authority: { host: sandbox.authorityHost, ca: sandbox.authorityCa },
        });
    const refusal = async (credential: TokenCredential) => {
        try {
            await accessToken(credential, graphScope);
        } catch (e) {
            return (e as Error).message;
        }
        throw new Error('expected Entra to refuse');
    };

    it('issues the Teams app a Graph token for the managed identity token (audience api://AzureADTokenExchange)', async () => {
        const token = await accessToken(
            teamsApp(new SandboxManagedIdentityCredential(sandbox.managedIdentityEndpoint)),
            graphScope,
        );
        const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
            string,
            unknown
        >;
        expect(claims).toMatchObject({
            aud: 'https://graph.microsoft.com',
            appid: sandbox.directory.teamsApp.clientId,
        });
    });

    it('refuses an assertion for another audience (the managed identity Graph token) with AADSTS70021', async () => {
        const graphTokenAsAssertion: TokenCredential = {
            getToken: () => new SandboxManagedIdentityCredential(sandbox.managedIdentityEndpoint).getToken(graphScope),
        };
        expect(await refusal(teamsApp(graphTokenAsAssertion))).toMatch(
            /invalid_client.*AADSTS70021: No matching federated identity record found for presented assertion\. Assertion Issuer: '.*'\. Assertion Subject: '8c1b2a39-4d5e-4f60-9a7b-c8d9e0f1a2b3'\. Assertion Audience: 'https:\/\/graph\.microsoft\.com'/,
        );
    });

    it('refuses an assertion it did not sign, and an app it does not know', async () => {
        const forged: TokenCredential = { getToken: async () => ({ token: 'a.b.c', expiresOnTimestamp: 0 }) };
        expect(await refusal(teamsApp(forged))).toMatch(/AADSTS50027: JWT token is invalid or malformed/);
        const mi = new SandboxManagedIdentityCredential(sandbox.managedIdentityEndpoint);
        expect(await refusal(teamsApp(mi, '11111111-2222-4333-8444-555555555555'))).toMatch(
            /unauthorized_client.*AADSTS700016: Application with identifier '11111111-2222-4333-8444-555555555555' was not found/,
        );
    });

    it('refuses a channel post in a team the app is not installed in, until it is', async () => {
        const install = (teams: string[] | null) =>
            fetch(`${sandbox.url}/sandbox/installations`, { method: 'PUT', body: JSON.stringify({ teams }) });
        expect((await install(['t-installed'])).status).toBe(204);
        try {
            const refused = await post('teams/t-other/channels/c1/messages', chatMessage);
            expect(refused.status).toBe(403);
            expect(await errorOf(refused)).toEqual({
                code: 'Forbidden',
                message:
                    "Missing role permissions on the request. API requires one of 'ChannelMessage.Send.Group, Teamwork.Migrate.All'. Roles on the request ''. Resource specific consent grants on the request ''.",
            });
            expect((await post('teams/t-installed/channels/c1/messages', chatMessage)).status).toBe(201);
        } finally {
            expect((await install(null)).status).toBe(204);
        }
        expect((await install(['ok', 3] as unknown as string[])).status).toBe(400);
    });
});
