import { createHash } from 'node:crypto';
import type { Alert, AlertStore } from '../ports/alertStore';
import type { AlertDeps, AlertRunReport } from './alertDispatch';
import type { AlertSignal } from './alertSignals';
import { routeFor } from './ownerRegistry';

/** Conflicting writers (an acknowledgement racing the dispatcher) re-read and re-apply at most this often. */
const maxWriteAttempts = 5;

/**
 * Counts signals into the unresolved alert of their group, opening it (routed by the owner registry) when there is
 * none. Each member counts once, so seeing the same failures again changes nothing.
 */
export async function raiseAlert(
    deps: Pick<AlertDeps, 'alerts' | 'owners' | 'clock' | 'consoleBaseUrl'>,
    groupKey: string,
    signals: AlertSignal[],
    report: Pick<AlertRunReport, 'raised' | 'grown'> = { raised: 0, grown: 0 },
): Promise<void> {
    const now = deps.clock.now().toISOString();
    const first = signals[0];
    if (!first) return;
    let alert = await deps.alerts.findUnresolved(groupKey);
    if (!alert) {
        const route = routeFor(deps.owners, first.point, first.failureClass, first.ruleOwner);
        const id = `${createHash('sha256').update(groupKey).digest('hex').slice(0, 12)}-${Date.parse(now).toString(36)}`;
        const created: Alert = {
            id,
            groupKey,
            title: first.title,
            point: first.point,
            failureClass: first.failureClass,
            code: first.code,
            owner: route.owner,
            contact: route.owner,
            action: route.action,
            samples: [],
            count: 0,
            firstAt: now,
            lastAt: now,
            state: 'open',
            level: 0,
            levelSince: now,
            email: signals.some((s) => s.email),
            postedCount: 0,
            version: 0,
            ...(deps.consoleBaseUrl ? { consoleLink: `${deps.consoleBaseUrl.split('#')[0]}#alert=${id}` } : {}),
        };
        if ((await deps.alerts.create(created)) === 'created') report.raised += 1;
        alert = (await deps.alerts.get(id)) ?? created;
    }
    const known = await deps.alerts.listMembers(alert.id);
    const fresh = signals.filter((s) => !known.has(s.member));
    const addedMembers = new Set(
        await deps.alerts.addMembers(
            alert.id,
            fresh.map((s) => s.member),
        ),
    );
    const added = fresh.filter((s) => addedMembers.delete(s.member));
    if (added.length === 0) return;
    const samples = deps.owners.alerting.samples;
    const grown = await update(deps.alerts, alert.id, (a) => ({
        ...a,
        count: a.count + added.length,
        lastAt: now,
        samples: [...a.samples, ...added.map((s) => s.object)].slice(0, samples),
    }));
    if (grown && alert.count > 0) report.grown += 1;
}

/** Read, change, write with the version read; re-applied when someone else wrote in between. */
export async function update(store: AlertStore, id: string, change: (a: Alert) => Alert): Promise<Alert | undefined> {
    for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
        const current = await store.get(id);
        if (!current) return undefined;
        const next = change(current);
        if (await store.replace(next, current.version)) return { ...next, version: current.version + 1 };
    }
    throw new Error(`alert ${id} kept changing under ${maxWriteAttempts} writes`);
}
