import type { Owner } from '../domain/failure';
import { openStates, type TransactionRecord } from '../domain/transactionRecord';
import type { ErpRecord } from '../ports/erpReporting';
import type { SessionGateStore } from '../ports/sessionGateStore';
import type { TransactionStore } from '../ports/transactionStore';
import type { CrmBooks, CrmRecord } from './crmBooks';
import type { RecognitionRule } from './recognitionRule';
import type { BuildingSummary, Finding, FindingKind } from './reconciliationReport';
import { countedReservations, periodEnd } from './summarise';

export interface InvestigationDeps {
    store: Pick<TransactionStore, 'listBySourceRecord' | 'get' | 'listByState'>;
    gates: Pick<SessionGateStore, 'get'>;
}

/** Accepted but not through yet (not lost, not final): a difference is explained by where it waits. */
const waitingStates = openStates.filter((s) => s !== 'posted');
const cents = (n: number) => Math.round(n * 100) / 100;

/** Every transaction still on its way, by CRM record, oldest first: a few state queries instead of one per record. */
export async function waitingBySource(deps: InvestigationDeps): Promise<Map<string, TransactionRecord[]>> {
    const waiting = new Map<string, TransactionRecord[]>();
    const lists = await Promise.all(waitingStates.map((state) => deps.store.listByState(state, 100_000)));
    for (const record of lists.flat().sort((a, b) => a.envelope.acceptedAt.localeCompare(b.envelope.acceptedAt))) {
        const id = record.envelope.source.recordId.toLowerCase();
        waiting.set(id, [...(waiting.get(id) ?? []), record]);
    }
    return waiting;
}

/**
 * Record-level investigation of one abnormal building: every CRM record whose transaction is still on its way
 * (parked, held, retrying, in review: named, with its condition and owner), every CRM record that should be in the
 * ERP and is not or differs, every ERP record with no CRM source, and construction progress the ERP does not have.
 */
export async function investigateBuilding(
    rule: RecognitionRule,
    building: BuildingSummary,
    books: Pick<CrmBooks, 'records' | 'progress'>,
    erpRecords: ErpRecord[],
    period: string,
    waiting: ReadonlyMap<string, readonly TransactionRecord[]>,
    deps: InvestigationDeps,
): Promise<Finding[]> {
    const end = periodEnd(period);
    const crm = books.records.filter(
        (r) =>
            r.buildingCode === building.buildingCode && (r.type === 'instalment' || r.date === null || r.date <= end),
    );
    const counted = new Set(countedReservations(rule, crm, period).map((r) => r.reservationNumber));
    const key = (type: string, reference: string) => `${type}:${reference}`;
    const erpByKey = new Map(erpRecords.map((r) => [key(r.type, r.reference), r]));
    const crmKeys = new Set(crm.map((r) => key(r.type, r.reference)));
    const findings: Finding[] = [];
    for (const record of crm) {
        const erp = erpByKey.get(key(record.type, record.reference));
        const pending = waiting.get(record.sourceRecordId) ?? [];
        for (const transaction of pending)
            findings.push(await pendingFinding(building, record, erp, transaction, deps));
        if (pending.length > 0) continue;
        // A reservation the rule does not count (cancelled) and its plan need not be in the ERP.
        const matters = record.type === 'receipt' || counted.has(record.reservationNumber);
        let kind: FindingKind | undefined;
        if (!erp || erp.sourceRecordId.toLowerCase() !== record.sourceRecordId)
            kind = matters ? 'missingInErp' : undefined;
        else if (record.type === 'reservation' && erp.status !== record.status) kind = 'statusMismatch';
        else if (matters && cents(erp.amount) !== cents(record.amount)) kind = 'amountMismatch';
        if (kind) findings.push(await explain(kind, building, record, erp, deps));
    }
    for (const erp of erpRecords) {
        const crmRecord = crm.find((r) => r.type === erp.type && r.reference === erp.reference);
        if (
            !crmKeys.has(key(erp.type, erp.reference)) ||
            crmRecord?.sourceRecordId !== erp.sourceRecordId.toLowerCase()
        )
            findings.push(noCrmSource(building, erp));
    }
    const reports = books.progress.filter((p) => p.buildingCode === building.buildingCode && p.period <= period);
    let progressPending = false;
    for (const report of reports) {
        for (const pending of waiting.get(report.sourceRecordId) ?? []) {
            progressPending = true;
            findings.push(
                await pendingFinding(
                    building,
                    {
                        type: 'constructionProgress',
                        reference: `${building.buildingCode}/${report.period}`,
                        sourceRecordId: report.sourceRecordId,
                        amount: report.percentComplete,
                        status: 'reported',
                    },
                    undefined,
                    pending,
                    deps,
                ),
            );
        }
    }
    if (!progressPending && building.percentComplete.crm !== building.percentComplete.erp) {
        findings.push({
            ...blank(building),
            kind: 'progressMismatch',
            type: 'constructionProgress',
            reference: `${building.buildingCode}/${building.percentComplete.crmPeriod ?? period}`,
            crmAmount: building.percentComplete.crm,
            erpAmount: building.percentComplete.erp,
            owner: 'integration',
            action: `the ERP recognises at ${building.percentComplete.erp}% while the CRM reports ${building.percentComplete.crm}% and no progress transaction is on its way: check the construction-progress transactions of ${building.buildingCode}`,
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

type Described = Pick<CrmRecord, 'reference' | 'sourceRecordId' | 'amount' | 'status'> & { type: Finding['type'] };

function described(building: BuildingSummary, record: Described, erp: ErpRecord | undefined): Finding {
    return {
        ...blank(building),
        kind: 'missingInErp',
        type: record.type,
        reference: record.reference,
        sourceRecordId: record.sourceRecordId,
        crmAmount: record.amount,
        erpAmount: erp?.amount ?? null,
        crmStatus: record.status,
        erpStatus: erp?.status ?? null,
        owner: 'integration',
        action: '',
    };
}

async function pendingFinding(
    building: BuildingSummary,
    record: Described,
    erp: ErpRecord | undefined,
    pending: TransactionRecord,
    deps: InvestigationDeps,
): Promise<Finding> {
    const { owner, condition } = await waitsOn(pending, deps);
    return {
        ...described(building, record, erp),
        kind: 'pending',
        transactionId: pending.envelope.transactionId,
        state: pending.state,
        condition,
        owner,
        action: `accepted and ${pending.state}${condition ? ` (${condition})` : ''}: ${pending.state === 'review' || pending.state === 'deadLettered' ? 'decide it in the review queue' : `it posts by itself once ${owner} clears it; nothing to re-key`}`,
    };
}

function noCrmSource(building: BuildingSummary, erp: ErpRecord): Finding {
    return {
        ...blank(building),
        kind: 'noCrmSource',
        type: erp.type,
        reference: erp.reference,
        sourceRecordId: erp.sourceRecordId,
        erpAmount: erp.amount,
        erpStatus: erp.status,
        owner: 'finance',
        action: `the ERP holds ${erp.type} ${erp.reference} (posting ${erp.postingId}) from CRM record ${erp.sourceRecordId}, which the CRM does not hold under that reference: check for a manual ERP entry or a deleted CRM row`,
    };
}

async function explain(
    kind: FindingKind,
    building: BuildingSummary,
    record: CrmRecord,
    erp: ErpRecord | undefined,
    deps: InvestigationDeps,
): Promise<Finding> {
    const base = { ...described(building, record, erp), kind };
    const newest = (await deps.store.listBySourceRecord(record.sourceRecordId)).at(-1);
    const transaction = newest ? { transactionId: newest.envelope.transactionId, state: newest.state } : {};
    const applied = newest?.state === 'confirmed' || newest?.state === 'posted';
    if (kind === 'missingInErp') {
        if (!newest) {
            return {
                ...base,
                action: 'no transaction was ever accepted for this CRM record: the webhook never reached the integration; check the Dataverse step and save the row again to send it',
            };
        }
        return applied
            ? {
                  ...base,
                  ...transaction,
                  repushable: true,
                  action: `transaction ${newest.envelope.transactionId} is ${newest.state} but the ERP does not hold the record: re-push it (same idempotency key, through the pipeline)`,
              }
            : {
                  ...base,
                  ...transaction,
                  action: `transaction ${newest.envelope.transactionId} was ${newest.state} and the ERP does not hold the record: check that decision (transactions of ${record.sourceRecordId})`,
              };
    }
    return {
        ...base,
        ...transaction,
        action: `the ERP holds ${kind === 'statusMismatch' ? `status ${base.erpStatus}, the CRM ${base.crmStatus}` : `${base.erpAmount}, the CRM ${base.crmAmount}`} and no transaction is on its way: check the CRM record's last change reached the ERP (transactions of ${record.sourceRecordId})`,
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
