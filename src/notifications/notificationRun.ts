import type { AlertStore } from '../ports/alertStore';
import type { ConditionStore } from '../ports/conditionStore';
import type { TransactionStore } from '../ports/transactionStore';
import { type AlertDeps, type AlertRunReport, dispatchAlerts } from './alertDispatch';
import { collectSignals } from './alertSignals';
import { type NoticeDeps, type NoticeRunReport, sendHandoverNotices } from './handoverNotices';

export type NotificationDeps = NoticeDeps &
    AlertDeps & { alerts: AlertStore; store: TransactionStore; conditions: ConditionStore; scanMax?: number };

/**
 * One pass of the notification timer: send due handover notices first (so a notice that just failed is alerted in
 * the same pass), then raise, group, escalate and deliver alerts from what the stores hold.
 */
export async function runNotifications(
    deps: NotificationDeps,
): Promise<{ notices: NoticeRunReport; alerts: AlertRunReport }> {
    const scanMax = deps.scanMax ?? 1000;
    const notices = await sendHandoverNotices(deps, scanMax);
    const signals = await collectSignals(deps, {
        scanMax,
        conditionAfterMinutes: deps.owners.alerting.conditionAfterMinutes,
    });
    const alerts = await dispatchAlerts(deps, signals);
    return { notices, alerts };
}
