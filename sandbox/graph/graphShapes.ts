/**
 * The two Graph request bodies the notifier sends, checked against Graph's documented shapes
 * (user: sendMail; chatMessage in a channel). A bad shape gets the `{ error: { code, message } }` Graph answers with.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

export interface MailShape {
    subject: string | undefined;
    contentType: string;
    content: string;
    to: string[];
    saveToSentItems: boolean | undefined;
}

export interface ChannelMessageShape {
    contentType: string;
    content: string;
    attachments: { id: string; contentType: string; content: string | null }[];
    cards: unknown[];
    summary: string | null;
}

type Json = Record<string, unknown>;

const sendMailKeys = ['message', 'saveToSentItems'];
const messageKeys = [
    'subject',
    'body',
    'toRecipients',
    'ccRecipients',
    'bccRecipients',
    'replyTo',
    'from',
    'importance',
    'attachments',
];
const chatMessageKeys = ['body', 'attachments', 'summary', 'subject', 'importance', 'mentions', 'hostedContents'];
const adaptiveCard = 'application/vnd.microsoft.card.adaptive';

const fail = (code: string, message: string): Checked<never> => ({ ok: false, code, message });
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownProperty(body: Json, allowed: string[], type: string): Checked<never> | undefined {
    const extra = Object.keys(body).find((k) => !allowed.includes(k));
    if (extra === undefined) return undefined;
    return fail(
        'RequestBodyRead',
        `The property '${extra}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
    );
}

function itemBody(body: unknown, where: string): Checked<{ contentType: string; content: string }> {
    if (!isObject(body) || typeof body.content !== 'string')
        return fail('BadRequest', `${where}.body.content is required.`);
    const contentType = typeof body.contentType === 'string' ? body.contentType : 'text';
    if (!['text', 'html'].includes(contentType.toLowerCase())) {
        return fail(
            'BadRequest',
            `Cannot convert the literal '${contentType}' to the expected type 'microsoft.graph.bodyType'.`,
        );
    }
    return { ok: true, value: { contentType, content: body.content } };
}

export function checkSendMail(body: unknown): Checked<MailShape> {
    if (!isObject(body)) return fail('BadRequest', 'Empty Payload. JSON content expected.');
    const top = unknownProperty(body, sendMailKeys, 'microsoft.graph.sendMail');
    if (top) return top;
    const message = body.message;
    if (!isObject(message)) return fail('ErrorInvalidParameter', "The value of the parameter 'Message' is empty.");
    const inner = unknownProperty(message, messageKeys, 'microsoft.graph.message');
    if (inner) return inner;
    if (message.subject !== undefined && typeof message.subject !== 'string') {
        return fail('BadRequest', "Cannot convert the value of 'subject' to the expected type 'Edm.String'.");
    }
    const content = itemBody(message.body, 'message');
    if (!content.ok) return content;
    if (body.saveToSentItems !== undefined && typeof body.saveToSentItems !== 'boolean') {
        return fail('BadRequest', "Cannot convert the value of 'saveToSentItems' to the expected type 'Edm.Boolean'.");
    }
    const to: string[] = [];
    let total = 0;
    for (const list of ['toRecipients', 'ccRecipients', 'bccRecipients']) {
        const recipients = message[list] ?? [];
        if (!Array.isArray(recipients)) return fail('BadRequest', `'${list}' must be a collection of recipients.`);
        for (const r of recipients) {
            const address = isObject(r) && isObject(r.emailAddress) ? r.emailAddress.address : undefined;
            if (typeof address !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(address)) {
                return fail('ErrorInvalidRecipients', "At least one recipient isn't valid.");
            }
            if (list === 'toRecipients') to.push(address);
            total += 1;
        }
    }
    if (total === 0) return fail('ErrorInvalidRecipients', 'At least one recipient is required, but none were found.');
    return {
        ok: true,
        value: {
            subject: message.subject as string | undefined,
            ...content.value,
            to,
            saveToSentItems: body.saveToSentItems as boolean | undefined,
        },
    };
}

export function checkChannelMessage(body: unknown): Checked<ChannelMessageShape> {
    if (!isObject(body)) return fail('BadRequest', 'Empty Payload. JSON content expected.');
    const extra = unknownProperty(body, chatMessageKeys, 'microsoft.graph.chatMessage');
    if (extra) return extra;
    const content = itemBody(body.body, 'chatMessage');
    if (!content.ok) return content;
    if (body.summary !== undefined && body.summary !== null && typeof body.summary !== 'string') {
        return fail('BadRequest', "Cannot convert the value of 'summary' to the expected type 'Edm.String'.");
    }
    const attachments: ChannelMessageShape['attachments'] = [];
    const cards: unknown[] = [];
    const list = body.attachments ?? [];
    if (!Array.isArray(list)) return fail('BadRequest', "'attachments' must be a collection of chatMessageAttachment.");
    for (const a of list) {
        if (!isObject(a) || typeof a.id !== 'string' || typeof a.contentType !== 'string') {
            return fail('BadRequest', 'Each attachment needs an id and a contentType.');
        }
        const attachmentContent = typeof a.content === 'string' ? a.content : null;
        if (!content.value.content.includes(`<attachment id="${a.id}"></attachment>`)) {
            return fail('BadRequest', `Attachment with id '${a.id}' is not referenced in the message body.`);
        }
        if (a.contentType === adaptiveCard) {
            const card = parseCard(attachmentContent);
            if (card === undefined) return fail('BadRequest', `Attachment '${a.id}' is not a valid Adaptive Card.`);
            cards.push(card);
        }
        attachments.push({ id: a.id, contentType: a.contentType, content: attachmentContent });
    }
    if (attachments.length > 0 && content.value.contentType.toLowerCase() !== 'html') {
        return fail('BadRequest', "Attachments can only be referenced from a body of contentType 'html'.");
    }
    return {
        ok: true,
        value: { ...content.value, attachments, cards, summary: (body.summary as string | null) ?? null },
    };
}

function parseCard(content: string | null): unknown {
    if (content === null) return undefined;
    try {
        const card = JSON.parse(content) as unknown;
        return isObject(card) && card.type === 'AdaptiveCard' ? card : undefined;
    } catch {
        return undefined;
    }
}
