import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { fitAuditEntry } from '../../core/auditEntryLimit';
import type { Failure } from '../../domain/failure';
import type { TransactionEnvelope } from '../../domain/transaction';
import type { AuditEntry, TransactionRecord, TransactionState } from '../../domain/transactionRecord';
import type { StatePatch, TransactionStore } from '../../ports/transactionStore';
import { TransactionNotFoundError } from '../../ports/transactionStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

interface TransactionEntity {
    partitionKey: string;
    rowKey: string;
    sourceRecordId: string;
    state: TransactionState;
    attempts: number;
    erpPostingId?: string;
    lastFailure?: string;
    envelope: string;
    acceptedAt: string;
    updatedAt: string;
}

/**
 * Transaction state and audit trail in Table Storage.
 * - `transactions`: PartitionKey = transaction id, so the processor's get/update are point operations.
 * - `transactionsBySource`: PartitionKey = CRM record id, RowKey = acceptance time + id: the audit look-up by record.
 * - `audit`: PartitionKey = transaction id, RowKey = time + sequence, so one partition read gives the trail in order.
 */
export class TableTransactionStore implements TransactionStore {
    #auditSequence = 0;

    private constructor(
        private readonly transactions: TableClient,
        private readonly bySource: TableClient,
        private readonly audit: TableClient,
    ) {}

    static async create(
        connection: TableConnection,
        names: { transactions?: string; bySource?: string; audit?: string } = {},
    ): Promise<TableTransactionStore> {
        const store = new TableTransactionStore(
            tableClient(connection, names.transactions ?? 'transactions'),
            tableClient(connection, names.bySource ?? 'transactionsBySource'),
            tableClient(connection, names.audit ?? 'audit'),
        );
        for (const client of [store.transactions, store.bySource, store.audit]) await createTableIfMissing(client);
        return store;
    }

    async recordAccepted(envelope: TransactionEnvelope, at: string): Promise<void> {
        const entity: TransactionEntity = {
            partitionKey: envelope.transactionId,
            rowKey: '',
            sourceRecordId: envelope.source.recordId,
            state: 'queued',
            attempts: 0,
            envelope: JSON.stringify(envelope),
            acceptedAt: envelope.acceptedAt,
            updatedAt: at,
        };
        try {
            await this.transactions.createEntity(entity);
        } catch (e) {
            if (statusOf(e) === 409) return; // already recorded: the first acceptance stands
            throw translateTableError(e, 'recording a transaction');
        }
        try {
            await this.bySource.upsertEntity({
                partitionKey: envelope.source.recordId,
                rowKey: `${envelope.acceptedAt}|${envelope.transactionId}`,
                transactionId: envelope.transactionId,
            });
        } catch (e) {
            throw translateTableError(e, 'indexing a transaction');
        }
    }

    async updateState(transactionId: string, patch: StatePatch, at: string): Promise<TransactionRecord> {
        // Optimistic concurrency: re-read and re-apply on 412 so two writers never lose each other's update.
        for (let attempt = 0; ; attempt++) {
            const current = await this.#read(transactionId);
            if (!current) throw new TransactionNotFoundError(transactionId);
            const next: TransactionEntity = { ...current.entity, state: patch.state, updatedAt: at };
            if (patch.attempts !== undefined) next.attempts = patch.attempts;
            if (patch.erpPostingId !== undefined) next.erpPostingId = patch.erpPostingId;
            if (patch.lastFailure === null) delete next.lastFailure;
            else if (patch.lastFailure !== undefined) next.lastFailure = JSON.stringify(patch.lastFailure);
            try {
                await this.transactions.updateEntity(next, 'Replace', { etag: current.etag });
                return toRecord(next);
            } catch (e) {
                if (statusOf(e) === 412 && attempt < 10) continue;
                throw translateTableError(e, 'updating a transaction');
            }
        }
    }

    async get(transactionId: string): Promise<TransactionRecord | undefined> {
        const current = await this.#read(transactionId);
        return current && toRecord(current.entity);
    }

    async listBySourceRecord(sourceRecordId: string): Promise<TransactionRecord[]> {
        const ids: string[] = [];
        try {
            for await (const row of this.bySource.listEntities<{ transactionId: string }>({
                queryOptions: { filter: odata`PartitionKey eq ${sourceRecordId}` },
            })) {
                ids.push(row.transactionId);
            }
        } catch (e) {
            throw translateTableError(e, 'listing transactions of a record');
        }
        const records = await Promise.all(ids.map((id) => this.get(id)));
        return records.filter((r): r is TransactionRecord => r !== undefined);
    }

    /** A filtered scan: fine for operator views; the hot path never calls it. */
    async listByState(state: TransactionState, max: number): Promise<TransactionRecord[]> {
        const found: TransactionEntity[] = [];
        try {
            for await (const row of this.transactions.listEntities<TransactionEntity>({
                queryOptions: { filter: odata`state eq ${state}` },
            })) {
                found.push(row);
            }
        } catch (e) {
            throw translateTableError(e, 'listing transactions by state');
        }
        return found
            .sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt) || a.partitionKey.localeCompare(b.partitionKey))
            .slice(0, max)
            .map(toRecord);
    }

    async appendAudit(entry: AuditEntry): Promise<void> {
        const fitted = fitAuditEntry(entry);
        const rowKey = `${String(Date.parse(entry.at)).padStart(15, '0')}-${String(++this.#auditSequence % 1e9).padStart(9, '0')}`;
        try {
            await this.audit.createEntity({ partitionKey: entry.transactionId, rowKey, entry: JSON.stringify(fitted) });
        } catch (e) {
            throw translateTableError(e, 'writing the audit trail');
        }
    }

    async listAudit(transactionId: string): Promise<AuditEntry[]> {
        const entries: AuditEntry[] = [];
        try {
            for await (const row of this.audit.listEntities<{ entry: string }>({
                queryOptions: { filter: odata`PartitionKey eq ${transactionId}` },
            })) {
                entries.push(JSON.parse(row.entry) as AuditEntry);
            }
        } catch (e) {
            throw translateTableError(e, 'reading the audit trail');
        }
        return entries;
    }

    async #read(transactionId: string): Promise<{ entity: TransactionEntity; etag: string } | undefined> {
        try {
            const row = await this.transactions.getEntity<TransactionEntity>(transactionId, '');
            const { etag, ...entity } = row;
            return { entity: entity as unknown as TransactionEntity, etag };
        } catch (e) {
            if (statusOf(e) === 404) return undefined;
            throw translateTableError(e, 'reading a transaction');
        }
    }
}

function toRecord(entity: TransactionEntity): TransactionRecord {
    return {
        envelope: JSON.parse(entity.envelope) as TransactionEnvelope,
        state: entity.state,
        attempts: entity.attempts,
        ...(entity.erpPostingId ? { erpPostingId: entity.erpPostingId } : {}),
        ...(entity.lastFailure ? { lastFailure: JSON.parse(entity.lastFailure) as Failure } : {}),
        updatedAt: entity.updatedAt,
    };
}
