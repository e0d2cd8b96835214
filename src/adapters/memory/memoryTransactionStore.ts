import { byAcceptance } from '../../core/acceptanceOrder';
import { fitAuditEntry } from '../../core/auditEntryLimit';
import type { TransactionEnvelope } from '../../domain/transaction';
import {
    type AuditEntry,
    finalStates,
    type TransactionRecord,
    type TransactionState,
} from '../../domain/transactionRecord';
import {
    applyPatch,
    patchConflict,
    StateConflictError,
    type StatePatch,
    TransactionNotFoundError,
    type TransactionStore,
} from '../../ports/transactionStore';

/**
 * In-memory TransactionStore for unit tests; held to the same contract as the Table Storage one: the same errors,
 * the same listing order (core/acceptanceOrder) and the same audit cut (core/auditEntryLimit). Every read returns
 * a copy, as a store that serialises would.
 */
export class MemoryTransactionStore implements TransactionStore {
    readonly #records = new Map<string, TransactionRecord>();
    readonly #audit = new Map<string, AuditEntry[]>();

    async recordAccepted(envelope: TransactionEnvelope, at: string): Promise<void> {
        if (this.#records.has(envelope.transactionId)) return; // the first acceptance stands
        this.#records.set(envelope.transactionId, {
            envelope: structuredClone(envelope),
            state: 'queued',
            attempts: 0,
            updatedAt: at,
        });
    }

    async updateState(transactionId: string, patch: StatePatch, at: string): Promise<TransactionRecord> {
        const current = this.#records.get(transactionId);
        if (!current) throw new TransactionNotFoundError(transactionId);
        const conflict = patchConflict(current, patch);
        if (conflict) throw new StateConflictError(transactionId, conflict);
        const next = structuredClone(applyPatch(current, patch, at));
        this.#records.set(transactionId, next);
        return structuredClone(next);
    }

    async get(transactionId: string): Promise<TransactionRecord | undefined> {
        const record = this.#records.get(transactionId);
        return record && structuredClone(record);
    }

    async listBySourceRecord(sourceRecordId: string): Promise<TransactionRecord[]> {
        return this.#list((r) => r.envelope.source.recordId === sourceRecordId);
    }

    async listByState(state: TransactionState, max: number): Promise<TransactionRecord[]> {
        return max <= 0 ? [] : this.#list((r) => r.state === state).slice(0, max);
    }

    async listUpdatedSince(since: string, max: number): Promise<TransactionRecord[]> {
        return max <= 0 ? [] : this.#list((r) => r.updatedAt >= since).slice(0, max);
    }

    async appendAudit(entry: AuditEntry): Promise<void> {
        const trail = this.#audit.get(entry.transactionId) ?? [];
        trail.push(structuredClone(fitAuditEntry(entry)));
        this.#audit.set(entry.transactionId, trail);
    }

    async purgeEnded(before: string, max: number): Promise<{ transactions: number; auditRows: number }> {
        let transactions = 0;
        let auditRows = 0;
        for (const [id, record] of [...this.#records]) {
            if (transactions >= max) break;
            if (!finalStates.has(record.state) || record.updatedAt >= before) continue;
            auditRows += this.#audit.get(id)?.length ?? 0;
            this.#audit.delete(id);
            this.#records.delete(id);
            transactions++;
        }
        return { transactions, auditRows };
    }

    async listAudit(transactionId: string): Promise<AuditEntry[]> {
        return structuredClone(this.#audit.get(transactionId) ?? []);
    }

    #list(keep: (record: TransactionRecord) => boolean): TransactionRecord[] {
        return [...this.#records.values()]
            .filter(keep)
            .sort(byAcceptance)
            .map((r) => structuredClone(r));
    }
}
