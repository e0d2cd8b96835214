import { crmRowInvalid, type Owner } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import type { TransactionRecord } from '../domain/transactionRecord';
import type { AlertClass, IntegrationPoint } from '../ports/alertStore';
import type { Clock } from '../ports/clock';
import type { ConditionStore } from '../ports/conditionStore';
import type { NoticeStore } from '../ports/noticeStore';
import type { TransactionStore } from '../ports/transactionStore';

/** One thing that needs a person, as found in the stores; signals with the same group key become one alert. */
export interface AlertSignal {
    groupKey: string;
    /** Counted once per alert (a transaction id, a handover key, a parked unit's session). */
    member: string;
    point: IntegrationPoint;
    failureClass: AlertClass;
    code: string;
    /** The owner the failure classification named, for `byRule` routes. */
    ruleOwner?: Owner;
    title: string;
    /** The business object, e.g. `receipt RCT-0042 (unit MARINA-T1-1203)`; never personal data. */
    object: string;
    /** Record failures (a payment posting, a handover notice) are e-mailed to the owner too. */
    email: boolean;
}

export interface CollectedSignals {
    signals: AlertSignal[];
    /** A listing hit its limit: what is not seen must not be taken as resolved. */
    truncated: boolean;
}

const paymentTypes = new Set(['instalment', 'receipt']);

/**
 * Reads what needs a person straight from the state it is in (review, dead-lettered, parked under a condition,
 * a failed notice). Scanning state rather than hooking every place a state is entered means nothing the core
 * records can be missed by a crash between "state written" and "alert raised", and re-running is harmless.
 */
export async function collectSignals(
    deps: { store: TransactionStore; conditions: ConditionStore; notices: NoticeStore; clock: Clock },
    options: { scanMax: number; conditionAfterMinutes: number },
): Promise<CollectedSignals> {
    const signals: AlertSignal[] = [];
    let truncated = false;
    for (const state of ['review', 'deadLettered'] as const) {
        const records = await deps.store.listByState(state, options.scanMax);
        truncated ||= records.length >= options.scanMax;
        for (const record of records) signals.push(transactionSignal(record, state));
    }
    const now = deps.clock.now().getTime();
    for (const condition of await deps.conditions.listActive()) {
        if (now - Date.parse(condition.since) < options.conditionAfterMinutes * 60_000) continue;
        const sessions = await deps.conditions.parkedSessions(condition.key);
        for (const session of sessions.length > 0 ? sessions : [condition.key]) {
            signals.push({
                groupKey: `condition|${condition.key}`,
                member: session,
                point: 'condition',
                failureClass: 'blocked',
                code: `CONDITION_${condition.kind.toUpperCase()}`,
                ruleOwner: condition.owner,
                title: `Transactions parked: ${condition.key}`,
                object: session.replace(/^unit-/, 'unit '),
                email: false,
            });
        }
    }
    const notices = await deps.notices.list({ max: options.scanMax });
    truncated ||= notices.length >= options.scanMax;
    for (const notice of notices) {
        if (notice.state !== 'failed') continue;
        const code = notice.failureCode ?? 'NOTICE_FAILED';
        signals.push({
            groupKey: `handoverNotice|${notice.failureClass ?? 'transient'}|${code}`,
            member: notice.key,
            point: 'handoverNotice',
            failureClass: notice.failureClass ?? 'transient',
            code,
            title: `Handover notice not sent (${code})`,
            object: `unit ${notice.unitCode} ready ${notice.readyOn}`,
            email: true,
        });
    }
    return { signals, truncated };
}

/** Where a transaction's failure happened: the CRM's data (a row the map cannot read), the write-back, the ERP. */
function pointOf(code: string | undefined): IntegrationPoint {
    if (code === crmRowInvalid) return 'crmData';
    return code?.startsWith('CRM_') ? 'crmWriteBack' : 'erpPosting';
}

function transactionSignal(record: TransactionRecord, state: 'review' | 'deadLettered'): AlertSignal {
    const envelope = record.envelope;
    const failure = record.lastFailure;
    const point = pointOf(failure?.code);
    const failureClass: AlertClass = state === 'deadLettered' ? 'deadLettered' : (failure?.class ?? 'defect');
    const code = failure?.code ?? (state === 'deadLettered' ? 'DEAD_LETTERED' : 'REVIEW');
    const where = state === 'deadLettered' ? 'dead-lettered' : 'in review';
    // Bad rows group by the column that is wrong: many rows missing one column are one problem for the data's owner,
    // a different column is another.
    const field = point === 'crmData' ? failure?.details?.field : undefined;
    return {
        groupKey: `${point}|${failureClass}|${code}|${envelope.type}${field ? `|${field}` : ''}`,
        member: envelope.transactionId,
        point,
        failureClass,
        code,
        ...(failure?.owner ? { ruleOwner: failure.owner } : {}),
        title: `${envelope.type} ${where}: ${code}${field ? ` (${field})` : ''}`,
        object: businessObject(envelope),
        email: paymentTypes.has(envelope.type),
    };
}

/** The business object a person looks up: its reference, and the unit when it has one. */
export function businessObject(envelope: TransactionEnvelope): string {
    const d = envelope.data;
    const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
    const reference =
        {
            reservation: text(d.reservationNumber),
            instalment: text(d.instalmentNumber),
            receipt: text(d.receiptNumber),
            commission: text(d.claimNumber),
            unitStatus: text(d.unitCode),
            constructionProgress: [text(d.buildingCode) ?? text(d.buildingId), text(d.period)]
                .filter(Boolean)
                .join(' '),
            // A buyer is named by the CRM record id only: names and addresses are personal data.
            customer: undefined,
        }[envelope.type] || envelope.source.recordId;
    const unit = text(d.unitCode);
    return `${envelope.type} ${reference}${unit && envelope.type !== 'unitStatus' ? ` (unit ${unit})` : ''}`;
}
