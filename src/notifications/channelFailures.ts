import { isGraphRequestError, isGraphThrottledError } from '../ports/graphErrors';
import type { ChannelMessage } from '../ports/notifier';
import type { AlertDeps } from './alertDispatch';
import { raiseAlert, update } from './alertRecords';
import type { AlertSignal } from './alertSignals';
import type { Contact, OwnerRegistry } from './ownerRegistry';

type Channel = Pick<ChannelMessage, 'teamId' | 'channelId'>;

/**
 * A channel post that failed is itself an alert: one per channel (and class), counting each delivery that could not
 * be posted there, routed by the registry's `teamsChannel` route (the integration team, who install the Teams app or
 * get consent) and e-mailed, since the channel may be the very one that is broken. Graph refusing (401/403/404: the
 * app not installed, no consent, an unknown channel, the registration misconfigured) is `blocked`; Graph failing is
 * `transient`. A 429 is not a failure: the caller waits and tries again. Raised where the post failed, not by the
 * scan, and resolved by the next post to the channel that succeeds.
 */
export async function recordChannelFailure(
    deps: Pick<AlertDeps, 'alerts' | 'owners' | 'clock' | 'logger' | 'consoleBaseUrl'>,
    channel: Channel,
    error: unknown,
    delivery: string,
): Promise<void> {
    if (isGraphThrottledError(error)) return;
    const signal = channelFailureSignal(deps.owners, channel, error, delivery);
    try {
        await raiseAlert(deps, signal.groupKey, [signal]);
    } catch (e) {
        // Never let the bookkeeping hide the delivery's own failure, which the caller reports.
        deps.logger.error('channel failure not recorded', {
            delivery,
            error: e instanceof Error ? e.message : String(e),
        });
    }
    deps.logger.warn('channel post failed', { channel: channelName(channel), delivery, code: signal.code });
}

/** A post to the channel went through: its failure alerts (if any) are resolved. */
export async function recordChannelSuccess(deps: Pick<AlertDeps, 'alerts' | 'clock'>, channel: Channel): Promise<void> {
    for (const failureClass of ['blocked', 'transient'] as const) {
        const open = await deps.alerts.findUnresolved(groupKeyOf(failureClass, channel));
        if (!open) continue;
        await update(deps.alerts, open.id, (a) => ({
            ...a,
            state: 'resolved',
            resolvedAt: deps.clock.now().toISOString(),
        }));
    }
}

export function channelFailureSignal(
    owners: OwnerRegistry,
    channel: Channel,
    error: unknown,
    delivery: string,
): AlertSignal {
    const rejected = isGraphRequestError(error);
    const failureClass = rejected ? 'blocked' : 'transient';
    const graphCode = rejected ? (error.graphCode ?? String(error.status)) : 'Unavailable';
    const code = `TEAMS_${graphCode.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
    const where = channelOwner(owners, channel)?.displayName ?? channelName(channel);
    return {
        groupKey: groupKeyOf(failureClass, channel),
        member: delivery,
        point: 'teamsChannel',
        failureClass,
        code,
        title: `Teams channel of ${where} not reachable (${code})`,
        object: delivery,
        email: true,
    };
}

/** The registry contact whose channel this is (the reconciliation channel may be any). */
export function channelOwner(owners: OwnerRegistry, channel: Channel): Contact | undefined {
    return Object.values(owners.contacts).find((c) => c.teamId === channel.teamId && c.channelId === channel.channelId);
}

function groupKeyOf(failureClass: 'blocked' | 'transient', channel: Channel): string {
    return `teamsChannel|${failureClass}|${channelName(channel)}`;
}

function channelName(channel: Channel): string {
    return `${channel.teamId}/${channel.channelId}`;
}
