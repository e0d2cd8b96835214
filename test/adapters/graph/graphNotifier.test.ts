import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sandboxGraphTokens } from '../../../local/sandboxIdentity';
import { defaultDirectory, type SandboxGraph, startSandboxGraph } from '../../../sandbox/graph/sandboxGraphServer';
import { GraphNotifier } from '../../../src/adapters/graph/graphNotifier';
import { isGraphRequestError, isGraphThrottledError, isGraphUnavailableError } from '../../../src/ports/graphErrors';

let sandbox: SandboxGraph;
// Issued once through the real chain (managed identity; Teams app via ClientAssertionCredential), so the tests that
// count requests count Graph calls only.
let mailToken: string;
let channelToken: string;
const card = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body: [{ type: 'TextBlock', text: 'Unit MARINA-T1-1203 is ready for handover', wrap: true }],
};
const channelMessage = { teamId: 'team-1', channelId: '19:ops@thread.tacv2', card, summary: 'Handover notice failed' };

function notifier(overrides: Partial<ConstructorParameters<typeof GraphNotifier>[0]> = {}) {
    return new GraphNotifier({
        baseUrl: `${sandbox.url}/`,
        sharedMailbox: 'handover@contoso.example',
        getToken: async () => mailToken,
        getChannelToken: async () => channelToken,
        ...overrides,
    });
}

async function setFaults(faults: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify(faults) });
    expect(res.status).toBe(204);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
    try {
        await promise;
    } catch (e) {
        return e;
    }
    throw new Error('expected a rejection');
}

beforeAll(async () => {
    sandbox = await startSandboxGraph({ now: () => new Date('2026-03-02T10:00:00.000Z') });
    const tokens = sandboxGraphTokens(sandbox);
    mailToken = await tokens.getToken();
    channelToken = await tokens.getChannelToken();
});

afterAll(async () => {
    await sandbox.close();
});

afterEach(async () => {
    vi.restoreAllMocks();
    await setFaults({});
});

describe('GraphNotifier.sendMail', () => {
    it('posts the documented sendMail body from the shared mailbox', async () => {
        await notifier().sendMail({
            to: ['owner@example.org', 'agent@example.org'],
            subject: 'Your unit is ready for handover',
            html: '<p>Unit MARINA-T1-1203</p>',
        });
        expect(sandbox.mailbox.at(-1)).toEqual({
            mailbox: 'handover@contoso.example',
            subject: 'Your unit is ready for handover',
            contentType: 'HTML',
            content: '<p>Unit MARINA-T1-1203</p>',
            to: ['owner@example.org', 'agent@example.org'],
            saveToSentItems: false,
            receivedAt: '2026-03-02T10:00:00.000Z',
            request: {
                message: {
                    subject: 'Your unit is ready for handover',
                    body: { contentType: 'HTML', content: '<p>Unit MARINA-T1-1203</p>' },
                    toRecipients: [
                        { emailAddress: { address: 'owner@example.org' } },
                        { emailAddress: { address: 'agent@example.org' } },
                    ],
                },
                saveToSentItems: false,
            },
        });
    });

    it('turns a shape Graph refuses into GraphRequestError with Graph code, without the address', async () => {
        const e = await caught(notifier().sendMail({ to: ['not an address'], subject: 's', html: 'h' }));
        expect(isGraphRequestError(e)).toBe(true);
        expect(e).toMatchObject({ code: 'GRAPH_REQUEST_REJECTED', status: 400, graphCode: 'ErrorInvalidRecipients' });
        expect((e as Error).message).toBe(
            "POST sendMail answered 400 ErrorInvalidRecipients: At least one recipient isn't valid.",
        );
    });

    it('throws GraphThrottledError with retryAfterMs 2000 on 429, without retrying by itself', async () => {
        await setFaults({ throttle: true });
        const before = sandbox.mailbox.length;
        const e = await caught(notifier().sendMail({ to: ['owner@example.org'], subject: 's', html: 'h' }));
        expect(isGraphThrottledError(e)).toBe(true);
        expect(e).toMatchObject({ code: 'GRAPH_THROTTLED', retryAfterMs: 2000 });
        expect((e as Error).message).toBe(
            'POST sendMail answered 429 TooManyRequests: Too many requests, retry after the given delay.',
        );
        expect(sandbox.mailbox.length).toBe(before);
    });

    it('throws GraphUnavailableError on 503', async () => {
        await setFaults({ down: true });
        const e = await caught(notifier().sendMail({ to: ['owner@example.org'], subject: 's', html: 'h' }));
        expect(isGraphUnavailableError(e)).toBe(true);
        expect(e).toMatchObject({ code: 'GRAPH_UNAVAILABLE', status: 503 });
    });

    it('throws GraphRequestError 401 when the token is empty', async () => {
        const e = await caught(
            notifier({ getToken: async () => '' }).sendMail({ to: ['owner@example.org'], subject: 's', html: 'h' }),
        );
        expect(e).toMatchObject({
            code: 'GRAPH_REQUEST_REJECTED',
            status: 401,
            graphCode: 'InvalidAuthenticationToken',
        });
    });

    it('throws GraphUnavailableError when no token can be acquired', async () => {
        const getToken = async () => {
            throw new Error('ManagedIdentityCredential: no identity endpoint');
        };
        const e = await caught(notifier({ getToken }).sendMail({ to: ['owner@example.org'], subject: 's', html: 'h' }));
        expect(isGraphUnavailableError(e)).toBe(true);
        expect((e as Error).message).toBe(
            'POST sendMail: no token for the managed identity: ManagedIdentityCredential: no identity endpoint',
        );
    });

    it('throws GraphUnavailableError when nothing listens', async () => {
        const closed = await startSandboxGraph();
        await closed.close();
        const e = await caught(
            notifier({ baseUrl: `${closed.url}/` }).sendMail({ to: ['owner@example.org'], subject: 's', html: 'h' }),
        );
        expect(isGraphUnavailableError(e)).toBe(true);
        expect((e as Error).message).toBe('POST sendMail failed: fetch failed');
    });
});

describe('GraphNotifier.postToChannel', () => {
    it('posts the card as an attachment referenced from an html body and returns the message id', async () => {
        const { messageId } = await notifier().postToChannel(channelMessage);
        const post = sandbox.channelMessages.at(-1);
        const attachmentId = post?.attachments[0]?.id ?? '';
        expect(attachmentId).toMatch(/^[0-9a-f]{32}$/);
        expect(post).toEqual({
            id: messageId,
            teamId: 'team-1',
            channelId: '19:ops@thread.tacv2',
            contentType: 'html',
            content: `<attachment id="${attachmentId}"></attachment>`,
            attachments: [
                {
                    id: attachmentId,
                    contentType: 'application/vnd.microsoft.card.adaptive',
                    content: JSON.stringify(card),
                },
            ],
            cards: [card],
            summary: 'Handover notice failed',
            receivedAt: '2026-03-02T10:00:00.000Z',
            request: {
                body: { contentType: 'html', content: `<attachment id="${attachmentId}"></attachment>` },
                attachments: [
                    {
                        id: attachmentId,
                        contentType: 'application/vnd.microsoft.card.adaptive',
                        content: JSON.stringify(card),
                    },
                ],
                summary: 'Handover notice failed',
            },
        });
        expect(messageId).toBe(String(Date.parse('2026-03-02T10:00:00.000Z')));
    });

    it('posts as the Teams app: the managed identity token (the mail token) is refused 403 Forbidden, as Graph does', async () => {
        const e = await caught(notifier({ getChannelToken: async () => mailToken }).postToChannel(channelMessage));
        expect(isGraphRequestError(e)).toBe(true);
        expect(e).toMatchObject({ status: 403, graphCode: 'Forbidden' });
        expect((e as Error).message).toBe(
            "POST channel message answered 403 Forbidden: Missing role permissions on the request. API requires one of 'ChannelMessage.Send.Group, Teamwork.Migrate.All'. Roles on the request 'Mail.Send'. Resource specific consent grants on the request ''.",
        );
    });

    it('sends mail as the managed identity: the Teams app token has no Mail.Send and is refused 403', async () => {
        const e = await caught(
            notifier({ getToken: async () => channelToken }).sendMail({
                to: ['a@example.org'],
                subject: 's',
                html: 'h',
            }),
        );
        expect(e).toMatchObject({ status: 403, graphCode: 'ErrorAccessDenied' });
    });

    it('a Teams app token Entra refuses (no matching federated credential) is a rejection with the AADSTS code', async () => {
        // The registration trusts another identity than the one the app runs as.
        const other = await startSandboxGraph({
            directory: {
                ...defaultDirectory,
                teamsApp: {
                    ...defaultDirectory.teamsApp,
                    federatedCredential: { ...defaultDirectory.teamsApp.federatedCredential, subject: 'someone-else' },
                },
            },
        });
        try {
            const tokens = sandboxGraphTokens(other);
            const e = await caught(
                new GraphNotifier({
                    baseUrl: `${other.url}/`,
                    sharedMailbox: 'handover@contoso.example',
                    ...tokens,
                }).postToChannel(channelMessage),
            );
            expect(isGraphRequestError(e)).toBe(true);
            expect(e).toMatchObject({ status: 401, graphCode: 'AADSTS70021' });
            expect((e as Error).message).toMatch(
                /^POST channel message: no token for the Teams app: .*AADSTS70021: No matching federated identity record found for presented assertion/,
            );
            expect(other.channelMessages).toHaveLength(0);
        } finally {
            await other.close();
        }
    });

    it('an unreachable Entra authority is unavailable (retried), not a rejection', async () => {
        const closed = await startSandboxGraph();
        const tokens = sandboxGraphTokens(closed);
        await closed.close();
        const e = await caught(notifier({ getChannelToken: tokens.getChannelToken }).postToChannel(channelMessage));
        expect(isGraphUnavailableError(e)).toBe(true);
        expect((e as Error).message).toMatch(/^POST channel message: no token for the Teams app: /);
    });

    it('throws GraphThrottledError with retryAfterMs 2000 on 429', async () => {
        await setFaults({ throttle: true });
        const e = await caught(notifier().postToChannel(channelMessage));
        expect(e).toMatchObject({ code: 'GRAPH_THROTTLED', retryAfterMs: 2000 });
    });

    it('throws GraphUnavailableError on 503', async () => {
        await setFaults({ down: true });
        const e = await caught(notifier().postToChannel(channelMessage));
        expect(isGraphUnavailableError(e)).toBe(true);
        expect((e as Error).message).toBe(
            'POST channel message answered 503 serviceNotAvailable: The service is temporarily unavailable.',
        );
    });
});

describe('GraphNotifier retries', () => {
    it('makes exactly one request by default: the caller owns retry policy', async () => {
        await setFaults({ throttle: true });
        const fetchSpy = vi.spyOn(globalThis, 'fetch');
        await caught(notifier().sendMail({ to: ['owner@example.org'], subject: 's', html: 'h' }));
        expect(fetchSpy).toHaveBeenCalledTimes(1);
    });

    it('lets the SDK retry when maxRetries is set, honouring Retry-After', async () => {
        await setFaults({ throttle: true });
        const fetchSpy = vi.spyOn(globalThis, 'fetch');
        const e = await caught(
            notifier({ maxRetries: 1 }).sendMail({ to: ['owner@example.org'], subject: 's', html: 'h' }),
        );
        expect(e).toMatchObject({ code: 'GRAPH_THROTTLED', retryAfterMs: 2000 });
        expect(fetchSpy).toHaveBeenCalledTimes(2);
    });
});
