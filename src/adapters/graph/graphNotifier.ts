import { randomUUID } from 'node:crypto';
import {
    Client,
    HTTPMessageHandler,
    RedirectHandler,
    RedirectHandlerOptions,
    RetryHandler,
    RetryHandlerOptions,
    TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import { GraphRequestError } from '../../ports/graphErrors';
import type { ChannelMessage, MailMessage, Notifier } from '../../ports/notifier';
import { BearerToken, BearerTokenMiddleware } from './bearerTokenMiddleware';
import { translateGraphError, translateTokenError } from './translateGraphError';

export interface GraphNotifierOptions {
    /** Default `https://graph.microsoft.com/`; the sandbox URL locally. */
    baseUrl?: string;
    /** The shared mailbox mail is sent from (UPN or object id); the app needs Mail.Send on it. */
    sharedMailbox: string;
    /** Mail: a Graph token of the managed identity (application permission Mail.Send on the shared mailbox). */
    getToken: () => Promise<string>;
    /**
     * Channel messages: a Graph token of the Teams app's registration (teamsAppCredential.ts), which resource-specific
     * consent (ChannelMessage.Send.Group) lets post in the teams the app is installed in. The managed identity's own
     * token is refused there by Graph.
     */
    getChannelToken: () => Promise<string>;
    /** Retries the SDK may make by itself on 429/503/504. Default 0: see the constructor. */
    maxRetries?: number;
    /** Abort a call that has not answered in this time (all SDK retries included). */
    timeoutMs?: number;
}

// The SDK's own default delay (seconds) when a retryable answer carries no Retry-After.
const sdkRetryDelaySeconds = 3;

/** Microsoft Graph: mail from the shared mailbox and Adaptive Cards to Teams channels, via the Graph JS client. */
export class GraphNotifier implements Notifier {
    readonly #client: Client;
    readonly #mailbox: string;
    readonly #timeoutMs: number | undefined;
    readonly #mailToken: () => Promise<string>;
    readonly #channelToken: () => Promise<string>;

    constructor(options: GraphNotifierOptions) {
        const baseUrl = options.baseUrl ?? 'https://graph.microsoft.com/';
        this.#mailToken = options.getToken;
        this.#channelToken = options.getChannelToken;
        // The default chain's RetryHandler silently retries 429/503/504 up to 3 times, sleeping up to 180 s each,
        // inside one function invocation. The caller owns retry policy (Service Bus redelivery with backoff and
        // Retry-After), so the chain is built explicitly with maxRetries defaulting to 0.
        const middleware = [
            new BearerTokenMiddleware(baseUrl),
            new RetryHandler(new RetryHandlerOptions(sdkRetryDelaySeconds, options.maxRetries ?? 0)),
            new RedirectHandler(new RedirectHandlerOptions()),
            new TelemetryHandler(),
            new HTTPMessageHandler(),
        ];
        this.#client = Client.initWithMiddleware({ baseUrl, defaultVersion: 'v1.0', middleware });
        this.#mailbox = options.sharedMailbox;
        this.#timeoutMs = options.timeoutMs;
    }

    async sendMail(message: MailMessage): Promise<void> {
        const path = `/users/${encodeURIComponent(this.#mailbox)}/sendMail`;
        await this.#post(
            path,
            'POST sendMail',
            { token: this.#mailToken, identity: 'the managed identity' },
            {
                message: {
                    subject: message.subject,
                    body: { contentType: 'HTML', content: message.html },
                    toRecipients: message.to.map((address) => ({ emailAddress: { address } })),
                },
                saveToSentItems: false,
            },
        );
    }

    async postToChannel(message: ChannelMessage): Promise<{ messageId: string }> {
        const attachmentId = randomUUID().replace(/-/g, '');
        const path = `/teams/${encodeURIComponent(message.teamId)}/channels/${encodeURIComponent(message.channelId)}/messages`;
        const as = { token: this.#channelToken, identity: 'the Teams app' };
        const created = await this.#post(path, 'POST channel message', as, {
            body: { contentType: 'html', content: `<attachment id="${attachmentId}"></attachment>` },
            attachments: [
                {
                    id: attachmentId,
                    contentType: 'application/vnd.microsoft.card.adaptive',
                    content: JSON.stringify(message.card),
                },
            ],
            summary: message.summary,
        });
        const id = (created as { id?: unknown } | undefined)?.id;
        // Posted but unidentifiable: retrying would post twice, so this is not a transient failure.
        if (typeof id !== 'string') {
            throw new GraphRequestError('Graph created the channel message without an id', 201, undefined);
        }
        return { messageId: id };
    }

    async #post(
        path: string,
        label: string,
        as: { token: () => Promise<string>; identity: string },
        body: Record<string, unknown>,
    ): Promise<unknown> {
        let token: string;
        try {
            token = await as.token();
        } catch (e) {
            throw translateTokenError(e, label, as.identity);
        }
        const request = this.#client.api(path).middlewareOptions([new BearerToken(token)]);
        if (this.#timeoutMs !== undefined) request.option('signal', AbortSignal.timeout(this.#timeoutMs));
        try {
            return await request.post(body);
        } catch (e) {
            throw translateGraphError(e, label, this.#timeoutMs);
        }
    }
}
