import { isGraphRequestError, isGraphThrottledError } from '../ports/graphErrors';
import type { ChannelMessage, Notifier } from '../ports/notifier';
import type { OwnerRegistry } from './ownerRegistry';

export type Channel = Pick<ChannelMessage, 'teamId' | 'channelId'>;

/** What posting the test card showed: the message id, or Graph's status and code with what to do about it. */
export type TestCardOutcome =
    | { ok: true; channel: Channel; messageId: string }
    | {
          ok: false;
          channel: Channel;
          status: number | undefined;
          graphCode: string | undefined;
          message: string;
          hint: string;
      };

/**
 * `<contact>` of the owner registry (e.g. `integration`) or `<teamId>/<channelId>`; a clear error for anything else.
 */
export function resolveChannel(owners: OwnerRegistry, name: string): Channel {
    const contact = owners.contacts[name];
    if (contact) return { teamId: contact.teamId, channelId: contact.channelId };
    const [teamId, channelId, extra] = name.split('/');
    if (teamId && channelId && extra === undefined) return { teamId, channelId };
    const known = Object.keys(owners.contacts).join(', ');
    throw new Error(`channel '${name}' is neither a contact of the owner registry (${known}) nor <teamId>/<channelId>`);
}

/**
 * Posts one small card through the same notifier (and so the same identity: the Teams app) the alerts use, to
 * show before a launch that a channel can be reached; when it cannot, says why in Graph's terms and what to do.
 */
export async function postTestCard(
    notifier: Pick<Notifier, 'postToChannel'>,
    channel: Channel,
    at: Date,
): Promise<TestCardOutcome> {
    try {
        const { messageId } = await notifier.postToChannel({
            ...channel,
            summary: 'Integration test card',
            card: {
                type: 'AdaptiveCard',
                $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
                version: '1.4',
                body: [
                    { type: 'TextBlock', text: 'Integration test card', weight: 'Bolder', size: 'Medium' },
                    {
                        type: 'TextBlock',
                        text: `Posted ${at.toISOString()} by the smoke test: alerts can reach this channel. No action needed.`,
                        wrap: true,
                    },
                ],
            },
        });
        return { ok: true, channel, messageId };
    } catch (e) {
        const status = isGraphRequestError(e)
            ? e.status
            : isGraphThrottledError(e)
              ? 429
              : (e as { status?: number }).status;
        const graphCode = isGraphRequestError(e) ? e.graphCode : undefined;
        const message = e instanceof Error ? e.message : String(e);
        return { ok: false, channel, status, graphCode, message, hint: hintFor(status, graphCode, channel) };
    }
}

/** What an operator does about each answer (docs/notifications.md has the steps). */
function hintFor(status: number | undefined, graphCode: string | undefined, channel: Channel): string {
    switch (graphCode) {
        case 'Forbidden':
            return `the Teams app is not installed in team ${channel.teamId}, or resource-specific consent was not granted there: a team owner installs the app (docs/notifications.md, "Install the Teams app")`;
        case 'NotFound':
        case 'ItemNotFound':
            return 'no such team or channel: check its ids (config/owners.v1.json or RECONCILIATION_CHANNEL)';
        case 'AADSTS70021':
            return "the app registration's federated credential does not trust the identity that asked: it trusts the function app's managed identity only (infra/app/teamsApp.bicep)";
        case 'AADSTS700016':
            return 'TEAMS_APP_CLIENT_ID names no app registration in this tenant: run azd provision, or check the setting';
        case 'TeamsAppNotConfigured':
            return 'set TEAMS_APP_CLIENT_ID and TEAMS_APP_TENANT_ID (azd provision sets them from the Teams app registration)';
        case 'InvalidAuthenticationToken':
            return 'Graph did not accept the token: check TEAMS_APP_TENANT_ID and that the registration exists';
    }
    if (graphCode?.startsWith('AADSTS')) return 'Entra ID refused the Teams app token: see the AADSTS code';
    if (status === 429) return 'Graph is throttling: try again in a minute';
    if (status === undefined || status >= 500) return 'Graph or Entra ID could not be reached: try again';
    return 'see the Graph error code';
}
