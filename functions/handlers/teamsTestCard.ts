import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { postTestCard, resolveChannel } from '../../src/notifications/teamsTestCard';
import type { ServicesProvider } from '../services';
import { json, problem } from './jsonResponse';

const bodySchema = z.strictObject({ channel: z.string().min(1) });

/**
 * POST /api/teams/test-card {"channel": "<contact>" | "<teamId>/<channelId>"}: posts one test card as the function
 * app itself (managed identity → federated credential → Teams app), the only identity that can, so `npm run smoke`
 * can check a real tenant's installation and consent from a developer's machine. 201 with the message id; 502 with
 * Graph's status and code and what to do; 400 for a channel the registry does not know.
 */
export function createTeamsTestCardHandler(services: ServicesProvider) {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        const parsed = bodySchema.safeParse(await request.json().catch(() => undefined));
        if (!parsed.success) {
            return problem(400, 'INVALID_BODY', 'expected {"channel": "<contact>" or "<teamId>/<channelId>"}', {
                field: 'channel',
            });
        }
        const s = await services();
        let channel: ReturnType<typeof resolveChannel>;
        try {
            channel = resolveChannel(s.notifications.owners, parsed.data.channel);
        } catch (e) {
            return problem(400, 'UNKNOWN_CHANNEL', (e as Error).message, { field: 'channel' });
        }
        const outcome = await postTestCard(s.notifier, channel, s.clock.now());
        if (outcome.ok) {
            context.log(`teams test card posted to ${channel.teamId}/${channel.channelId}`);
            return json(201, { messageId: outcome.messageId, ...channel });
        }
        context.warn(`teams test card not posted to ${channel.teamId}/${channel.channelId}: ${outcome.message}`);
        return problem(502, 'TEAMS_POST_FAILED', outcome.message, {
            graphStatus: outcome.status,
            graphCode: outcome.graphCode,
            hint: outcome.hint,
            ...channel,
        });
    };
}
