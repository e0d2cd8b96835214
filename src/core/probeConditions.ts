import { randomUUID } from 'node:crypto';
import type { CallMeter } from '../ports/callMeter';
import type { ConditionStore } from '../ports/conditionStore';
import type { ErpClient } from '../ports/erpClient';
import { type ClearingDeps, quarantineCondition, reprocessCondition } from './conditionClearing';
import { describeError } from './describeError';

export interface ProbeDeps extends ClearingDeps {
    conditions: ConditionStore;
    erp: ErpClient;
    meter: CallMeter;
    probeIntervalMs: number;
    activePlanGraceMs: number;
}

export interface ProbeReport {
    probed: string[];
    cleared: string[];
}

/**
 * The scheduled probe (timer function; the local runtime runs it on an interval). A frozen period is asked about
 * once per interval, not once per transaction; an ERP outage costs one probe per interval; a spent retry budget
 * lifts the next day; a dependency is retried once per interval in case its record posted before the block was
 * recorded. Milestones clear when construction progress posts (conditionClearing.ts), so they are not probed.
 */
export async function probeConditions(deps: ProbeDeps): Promise<ProbeReport> {
    const now = deps.clock.now();
    const at = now.toISOString();
    const report: ProbeReport = { probed: [], cleared: [] };
    for (const condition of await deps.conditions.listActive()) {
        const last = Date.parse(condition.lastProbeAt ?? condition.since);
        if (now.getTime() - last < deps.probeIntervalMs) continue;
        let clear = false;
        try {
            if (condition.kind === 'period') {
                report.probed.push(condition.key);
                await deps.meter.record({ day: at.slice(0, 10), type: 'probe', attempt: 'probe', outcome: 'ok' });
                clear = (await deps.erp.periodStatus(String(condition.details.period))) === 'open';
            } else if (condition.kind === 'erpUnavailable') {
                report.probed.push(condition.key);
                await deps.meter.record({ day: at.slice(0, 10), type: 'probe', attempt: 'probe', outcome: 'ok' });
                await deps.erp.periodStatus(at.slice(0, 7));
                deps.breaker.succeeded();
                clear = true;
            } else if (condition.kind === 'crmUnavailable') {
                // One unit's pending write-back is the probe: if Dataverse takes it, that unit's session clears the
                // condition and every other unit catches up; if not, it parks again. No call from here.
                report.probed.push(condition.key);
                const [canary] = await deps.conditions.parkedSessions(condition.key);
                if (canary)
                    await deps.queue.send([
                        {
                            messageId: `sync-${randomUUID()}`,
                            sessionId: canary,
                            body: { control: 'sync', reason: 'probe: is Dataverse back?', condition: condition.key },
                        },
                    ]);
                else clear = true;
            } else if (condition.kind === 'retryBudget') {
                clear = String(condition.details.day) < at.slice(0, 10);
            } else if (condition.kind === 'dependency') {
                clear = true;
            } else if (
                condition.kind === 'activePlan' &&
                now.getTime() - Date.parse(condition.since) >= deps.activePlanGraceMs
            ) {
                // The first plan is still active after the grace period: the new plan goes to review, not to the ERP.
                await quarantineCondition(condition.key, deps);
                report.cleared.push(condition.key);
                continue;
            }
        } catch (e) {
            deps.logger.warn('condition probe failed; it stays', { condition: condition.key, error: describeError(e) });
        }
        if (clear) {
            await reprocessCondition(condition.key, deps, 'probe found it cleared');
            report.cleared.push(condition.key);
        } else {
            await deps.conditions.markProbed(condition.key, at);
        }
    }
    return report;
}
