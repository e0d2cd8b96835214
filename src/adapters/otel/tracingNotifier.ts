import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { Notifier } from '../../ports/notifier';
import { inSpan } from '../../telemetry/inSpan';
import { spanNames } from '../../telemetry/telemetryNames';

/** Graph calls with a client span each: how many recipients, which channel; never addresses, subjects or bodies. */
export function tracingNotifier(inner: Notifier, tracer: Tracer): Notifier {
    return {
        sendMail: (message) =>
            inSpan(
                tracer,
                spanNames.graphMail,
                { kind: SpanKind.CLIENT, attributes: { 'mail.recipients': message.to.length } },
                () => inner.sendMail(message),
            ),
        postToChannel: (message) =>
            inSpan(
                tracer,
                spanNames.graphChannel,
                {
                    kind: SpanKind.CLIENT,
                    attributes: { 'teams.team_id': message.teamId, 'teams.channel_id': message.channelId },
                },
                () => inner.postToChannel(message),
                (result, span) => span.setAttribute('teams.message_id', result.messageId),
            ),
    };
}
