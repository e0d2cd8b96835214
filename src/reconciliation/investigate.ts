import type { Owner } from '../domain/failure';
import { finalStates, type TransactionRecord } from '../domain/transactionRecord';
import type { ErpRecord } from '../ports/erpReporting';
import type { SessionGateStore } from '../ports/sessionGateStore';
import type { TransactionStore } from '../ports/transactionStore';
import type { CrmRecord } from './crmBooks';
import type { RecognitionRule } from './recognitionRule';
import type { BuildingSummary, Finding, FindingKind } from './reconciliationReport';
import { countedReservations, periodEnd } from './summarise';

export interface InvestigationDeps {
    store: Pick<TransactionStore, 'listBySourceRecord' | 'get'>;
    gates: Pick<SessionGateStore, 'get'>;
}

/** Still on its way through the pipeline (not lost, not final): the difference is explained by where it waits. */
const onItsWay = (r: TransactionRecord) => !finalStates.has(r.state) && r.state !== 'posted';
const cents = (n: number) => Math.round(n * 100) / 100;

/**
 * Record-level investigation of one abnormal building: every CRM record that should be in the ERP and is not (or
 * differs), and every ERP record with no CRM source. Each difference is explained by the pipeline when a
 * transaction for that record is still parked, held, retrying or in review (named, with its condition and owner).
 */
export async function investigateBuilding(
    rule: RecognitionRule,
    building: BuildingSummary,
    crmRecords: CrmRecord[],
    erpRecords: ErpRecord[],
    period: string,
    deps: InvestigationDeps,
): Promise<Finding[]> {
    const end = periodEnd(period);
    const crm = crmRecords.filter(
        (r) =>
            r.buildingCode === building.buildingCode && (r.type === 'instalment' || r.date === null || r.date <= end),
    );
    const counted = new Set(countedReservations(rule, crm, period).map((r) => r.reservationNumber));
    const key = (type: string, reference: string) => `${type}:${reference}`;
    const erpByKey = new Map(erpRecords.map((r) => [key(r.type, r.reference), r]));
    const crmKeys = new Set(crm.map((r) => key(r.type, r.reference)));
    const candidates: Array<{ kind: FindingKind; crm?: CrmRecord; erp?: ErpRecord }> = [];
    for (const record of crm) {
        const erp = erpByKey.get(key(record.type, record.reference));
        // A reservation the rule does not count (cancelled) and its plan need not be in the ERP.
        const matters = record.type === 'receipt' || counted.has(record.reservationNumber);
        if (!erp) {
            if (matters) candidates.push({ kind: 'missingInErp', crm: record });
            continue;
        }
        if (erp.sourceRecordId.toLowerCase() !== record.sourceRecordId) {
            candidates.push({ kind: 'noCrmSource', erp });
            if (matters) candidates.push({ kind: 'missingInErp', crm: record });
        } else if (record.type === 'reservation' && erp.status !== record.status) {
            candidates.push({ kind: 'statusMismatch', crm: record, erp });
        } else if (matters && cents(erp.amount) !== cents(record.amount)) {
            candidates.push({ kind: 'amountMismatch', crm: record, erp });
        }
    }
    for (const erp of erpRecords)
        if (!crmKeys.has(key(erp.type, erp.reference))) candidates.push({ kind: 'noCrmSource', erp });

    const findings: Finding[] = [];
    for (const c of candidates) findings.push(await explain(c, building, deps));
    if (building.percentComplete.crm !== building.percentComplete.erp) {
        findings.push({
            ...blank(building),
            kind: 'progressMismatch',
            type: 'constructionProgress',
            reference: `${building.buildingCode}/${building.percentComplete.crmPeriod ?? period}`,
            crmAmount: building.percentComplete.crm,
            erpAmount: building.percentComplete.erp,
            owner: 'integration',
            action: `the ERP recognises at ${building.percentComplete.erp}% while the CRM reports ${building.percentComplete.crm}%: check the construction-progress transaction of ${building.buildingCode}`,
        });
    }
    return findings;
}

function blank(building: BuildingSummary): Omit<Finding, 'kind' | 'type' | 'reference' | 'owner' | 'action'> {
    return {
        projectCode: building.projectCode,
        buildingCode: building.buildingCode,
        sourceRecordId: null,
        crmAmount: null,
        erpAmount: null,
        crmStatus: null,
        erpStatus: null,
        transactionId: null,
        state: null,
        condition: null,
        repushable: false,
    };
}

async function explain(
    c: { kind: FindingKind; crm?: CrmRecord; erp?: ErpRecord },
    building: BuildingSummary,
    deps: InvestigationDeps,
): Promise<Finding> {
    const base: Finding = {
        ...blank(building),
        kind: c.kind,
        type: (c.crm?.type ?? c.erp?.type) as Finding['type'],
        reference: c.crm?.reference ?? c.erp?.reference ?? '',
        sourceRecordId: c.crm?.sourceRecordId ?? c.erp?.sourceRecordId ?? null,
        crmAmount: c.crm?.amount ?? null,
        erpAmount: c.erp?.amount ?? null,
        crmStatus: c.crm?.status ?? null,
        erpStatus: c.erp?.status ?? null,
        owner: 'integration',
        action: '',
    };
    if (c.kind === 'noCrmSource') {
        return {
            ...base,
            owner: 'finance',
            action: `the ERP holds ${base.type} ${base.reference} (posting ${c.erp?.postingId ?? '?'}) from CRM record ${c.erp?.sourceRecordId ?? '?'}, which the CRM does not have under that reference: check for a manual ERP entry or a deleted CRM row`,
        };
    }
    const transactions = c.crm ? await deps.store.listBySourceRecord(c.crm.sourceRecordId) : [];
    const newest = transactions.at(-1);
    const waiting = [...transactions].reverse().find(onItsWay);
    if (waiting) {
        const { owner, condition } = await waitsOn(waiting, deps);
        return {
            ...base,
            kind: 'pending',
            transactionId: waiting.envelope.transactionId,
            state: waiting.state,
            condition,
            owner,
            action: `accepted and ${waiting.state}${condition ? ` under "${condition}"` : ''}: it posts by itself once ${owner} clears it (nothing to re-key)`,
        };
    }
    const transaction = newest ? { transactionId: newest.envelope.transactionId, state: newest.state } : {};
    if (c.kind === 'missingInErp') {
        if (newest && newest.state !== 'confirmed' && newest.state !== 'posted') {
            return {
                ...base,
                ...transaction,
                action: `transaction ${newest.envelope.transactionId} was ${newest.state} and the ERP does not hold the record: check that decision (transactions of ${base.sourceRecordId})`,
            };
        }
        return newest
            ? {
                  ...base,
                  ...transaction,
                  repushable: true,
                  action: `transaction ${newest.envelope.transactionId} is ${newest.state} but the ERP does not hold the record: re-push it (same idempotency key, through the pipeline)`,
              }
            : {
                  ...base,
                  action: 'no transaction was ever accepted for this CRM record: the webhook never reached the integration; check the Dataverse step and save the row again to send it',
              };
    }
    return {
        ...base,
        ...transaction,
        action: `the ERP holds ${c.kind === 'statusMismatch' ? `status ${base.erpStatus}, the CRM ${base.crmStatus}` : `${base.erpAmount}, the CRM ${base.crmAmount}`} and no transaction is on its way: check the CRM record's last change reached the ERP (transactions of ${base.sourceRecordId})`,
    };
}

/** Who a waiting transaction waits on: its own condition, or for a held one, its unit's blocker's. */
async function waitsOn(
    record: TransactionRecord,
    deps: InvestigationDeps,
): Promise<{ owner: Owner; condition: string | null }> {
    if (record.lastFailure)
        return { owner: record.lastFailure.owner, condition: record.lastFailure.condition ?? record.lastFailure.code };
    if (record.state === 'held') {
        const gate = await deps.gates.get(record.envelope.sessionId);
        const blocker = gate.blockedBy ? await deps.store.get(gate.blockedBy) : undefined;
        if (blocker?.lastFailure) {
            return {
                owner: blocker.lastFailure.owner,
                condition: `held behind ${blocker.envelope.type} ${blocker.envelope.transactionId}: ${blocker.lastFailure.condition ?? blocker.lastFailure.code}`,
            };
        }
        return {
            owner: 'integration',
            condition: `held behind ${gate.blockedBy ?? 'an earlier transaction of its unit'}`,
        };
    }
    return { owner: 'integration', condition: null };
}
