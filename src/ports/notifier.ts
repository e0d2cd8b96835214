/** Microsoft Graph: mail from a shared mailbox and messages to a Teams channel. */
export interface MailMessage {
    to: string[];
    subject: string;
    html: string;
}

export interface ChannelMessage {
    teamId: string;
    channelId: string;
    /** Adaptive Card JSON (schema 1.4+). */
    card: Record<string, unknown>;
    /** Plain-text summary for clients that cannot render cards. */
    summary: string;
}

export interface Notifier {
    sendMail(message: MailMessage): Promise<void>;
    postToChannel(message: ChannelMessage): Promise<{ messageId: string }>;
}
