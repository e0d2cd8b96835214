import { fitAuditEntry } from '../../core/auditEntryLimit';
import type { TransactionEnvelope } from '../../domain/transaction';
import type { AuditEntry, TransactionRecord, TransactionState } from '../../domain/transactionRecord';
import type { StatePatch, TransactionStore } from '../../ports/transactionStore';
import { TransactionNotFoundError } from '../../ports/transactionStore';

/** In-memory TransactionStore for unit tests and benchmarks; held to the same contract as the Table Storage one. */
export class MemoryTransactionStore implements TransactionStore {
    readonly #records = new Map<string, TransactionRecord>();
    readonly #audit = new Map<string, AuditEntry[]>();
    #sequence = 0;
    readonly #order = new Map<string, number>();

    async recordAccepted(envelope: TransactionEnvelope, at: string): Promise<void> {
        if (this.#records.has(envelope.transactionId)) return;
        this.#records.set(envelope.transactionId, {
            envelope: structuredClone(envelope),
            state: 'queued',
            attempts: 0,
            updatedAt: at,
        });
        this.#order.set(envelope.transactionId, this.#sequence++);
    }

    async updateState(transactionId: string, patch: StatePatch, at: string): Promise<TransactionRecord> {
        const current = this.#records.get(transactionId);
        if (!current) throw new TransactionNotFoundError(transactionId);
        const next: TransactionRecord = { ...current, state: patch.state, updatedAt: at };
        if (patch.attempts !== undefined) next.attempts = patch.attempts;
        if (patch.erpPostingId !== undefined) next.erpPostingId = patch.erpPostingId;
        if (patch.lastFailure === null) delete next.lastFailure;
        else if (patch.lastFailure !== undefined) next.lastFailure = patch.lastFailure;
        this.#records.set(transactionId, next);
        return structuredClone(next);
    }

    async get(transactionId: string): Promise<TransactionRecord | undefined> {
        const record = this.#records.get(transactionId);
        return record && structuredClone(record);
    }

    async listBySourceRecord(sourceRecordId: string): Promise<TransactionRecord[]> {
        return this.#sorted([...this.#records.values()].filter((r) => r.envelope.source.recordId === sourceRecordId));
    }

    async listByState(state: TransactionState, max: number): Promise<TransactionRecord[]> {
        return this.#sorted([...this.#records.values()].filter((r) => r.state === state)).slice(0, max);
    }

    async appendAudit(entry: AuditEntry): Promise<void> {
        const list = this.#audit.get(entry.transactionId) ?? [];
        list.push(structuredClone(fitAuditEntry(entry)));
        this.#audit.set(entry.transactionId, list);
    }

    async listAudit(transactionId: string): Promise<AuditEntry[]> {
        return structuredClone(this.#audit.get(transactionId) ?? []);
    }

    #sorted(records: TransactionRecord[]): TransactionRecord[] {
        const position = (r: TransactionRecord) => this.#order.get(r.envelope.transactionId) ?? 0;
        return records.sort((a, b) => position(a) - position(b)).map((r) => structuredClone(r));
    }
}
