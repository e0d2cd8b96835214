import { odata, type TableClient } from '@azure/data-tables';
import { byAcceptance } from '../../core/acceptanceOrder';
import { fitAuditEntry } from '../../core/auditEntryLimit';
import type { Failure } from '../../domain/failure';
import type { TransactionEnvelope } from '../../domain/transaction';
import {
    type AuditEntry,
    finalStates,
    type TransactionRecord,
    type TransactionState,
} from '../../domain/transactionRecord';
import { StoreConflictError } from '../../ports/storeErrors';
import {
    applyPatch,
    patchConflict,
    StateConflictError,
    type StatePatch,
    TransactionNotFoundError,
    type TransactionStore,
} from '../../ports/transactionStore';
import { fromChunkedColumns, toChunkedColumns } from './chunkedColumn';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';
import { decodeTableKey, encodeTableKey } from './tableKey';
import { nextWriteOrderKey } from './writeOrderKey';

type Row = Record<string, unknown> & { partitionKey?: string; rowKey?: string; etag?: string };

export interface TransactionTables {
    transactions: TableClient;
    bySource: TableClient;
    audit: TableClient;
}

const maxUpdateTries = 8;
/** Records remembered with their ETag for the next update (a launch keeps a few hundred in flight). */
const rememberedRecords = 2000;

/**
 * Transaction state and audit trail in Table Storage.
 * - `transactions`: PartitionKey = transaction id, RowKey = ''. The state lives in exactly one entity, so the
 *   processor's get is one point read and its update one ETag-conditional write (no second hop through an index).
 * - `transactionsBySource`: PartitionKey = CRM record id, RowKey = transaction id. An immutable index, written
 *   before the state entity: a crash between the two leaves at worst an index row without a record (skipped when
 *   listing), never a record the index misses.
 * - `audit`: PartitionKey = transaction id, RowKey = write-order key, so one partition query reads the trail in order.
 * Envelope and failure are JSON string columns (spread over several when longer than one property may hold).
 */
export class TableTransactionStore implements TransactionStore {
    /**
     * The last version of a record this process read or wrote, with its ETag: an update starts from it instead of a
     * fresh read. The write is conditional on that ETag, so if anyone changed the record since, it fails with 412
     * and is retried from a fresh read: the memory saves a round trip, never decides what is stored.
     */
    readonly #known = new Map<string, { record: TransactionRecord; etag: string }>();

    private constructor(private readonly tables: TransactionTables) {}

    static async create(
        connection: TableConnection,
        names: { transactions?: string; bySource?: string; audit?: string } = {},
    ): Promise<TableTransactionStore> {
        return TableTransactionStore.fromClients({
            transactions: tableClient(connection, names.transactions ?? 'transactions'),
            bySource: tableClient(connection, names.bySource ?? 'transactionsBySource'),
            audit: tableClient(connection, names.audit ?? 'audit'),
        });
    }

    /** Over clients built elsewhere (own pipeline or retry options); creates the tables if missing. */
    static async fromClients(tables: TransactionTables): Promise<TableTransactionStore> {
        await Promise.all([tables.transactions, tables.bySource, tables.audit].map(createTableIfMissing));
        return new TableTransactionStore(tables);
    }

    async recordAccepted(envelope: TransactionEnvelope, at: string): Promise<void> {
        const { transactionId, source } = envelope;
        await guard('indexing a transaction', () =>
            this.tables.bySource.upsertEntity({
                partitionKey: encodeTableKey(source.recordId),
                rowKey: encodeTableKey(transactionId),
            }),
        );
        try {
            await this.tables.transactions.createEntity(
                toEntity({ envelope, state: 'queued', attempts: 0, updatedAt: at }),
            );
        } catch (e) {
            if (statusOf(e) === 409) return; // already recorded: the first acceptance stands
            throw translateTableError(e, 'recording a transaction');
        }
    }

    async updateState(transactionId: string, patch: StatePatch, at: string): Promise<TransactionRecord> {
        // Optimistic concurrency: the write is conditional on the ETag of the version the patch was checked against.
        // On 412 the record is read again and the patch checked again: a patch whose starting state is gone is
        // refused (StateConflictError), never re-applied over what another writer recorded.
        for (let attempt = 1; ; attempt++) {
            let current = (attempt === 1 && this.#known.get(transactionId)) || (await this.#read(transactionId));
            if (!current) throw new TransactionNotFoundError(transactionId);
            let conflict = patchConflict(current.record, patch);
            // A remembered version may be behind what another process wrote: judge only what is stored now.
            if (conflict && attempt === 1) {
                current = await this.#read(transactionId);
                if (!current) throw new TransactionNotFoundError(transactionId);
                conflict = patchConflict(current.record, patch);
            }
            if (conflict) throw new StateConflictError(transactionId, conflict);
            // applyPatch builds a new record and never changes the one it is given: the remembered one is used as is.
            const next = applyPatch(current.record, patch, at);
            try {
                const written = await this.tables.transactions.updateEntity(toEntity(next), 'Replace', {
                    etag: current.etag,
                });
                if (written.etag) this.#remember(transactionId, next, written.etag);
                else this.#known.delete(transactionId);
                return next;
            } catch (e) {
                this.#known.delete(transactionId);
                if (statusOf(e) !== 412) throw translateTableError(e, 'updating a transaction');
                if (attempt >= maxUpdateTries) {
                    throw new StoreConflictError(
                        `Transaction ${transactionId} changed under ${maxUpdateTries} consecutive updates`,
                        { cause: e },
                    );
                }
                await new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** attempt));
            }
        }
    }

    async get(transactionId: string): Promise<TransactionRecord | undefined> {
        return (await this.#read(transactionId))?.record;
    }

    async listBySourceRecord(sourceRecordId: string): Promise<TransactionRecord[]> {
        const index = await collect('listing transactions of a record', () =>
            this.tables.bySource.listEntities<Row>({
                queryOptions: { filter: odata`PartitionKey eq ${encodeTableKey(sourceRecordId)}`, select: ['RowKey'] },
            }),
        );
        const records = await Promise.all(index.map((row) => this.get(decodeTableKey(row.rowKey ?? ''))));
        return records.filter((r): r is TransactionRecord => r !== undefined).sort(byAcceptance);
    }

    /** A filtered scan of the whole table: for operator views, never the hot path. */
    async listByState(state: TransactionState, max: number): Promise<TransactionRecord[]> {
        if (max <= 0) return [];
        const rows = await collect('listing transactions by state', () =>
            this.tables.transactions.listEntities<Row>({ queryOptions: { filter: odata`state eq ${state}` } }),
        );
        return rows.map(toRecord).sort(byAcceptance).slice(0, max);
    }

    /** A filtered scan too (ISO 8601 strings compare in time order): for the console's trends, never the hot path. */
    async listUpdatedSince(since: string, max: number): Promise<TransactionRecord[]> {
        if (max <= 0) return [];
        const rows = await collect('listing recently updated transactions', () =>
            this.tables.transactions.listEntities<Row>({ queryOptions: { filter: odata`updatedAt ge ${since}` } }),
        );
        return rows.map(toRecord).sort(byAcceptance).slice(0, max);
    }

    async appendAudit(entry: AuditEntry): Promise<void> {
        const json = JSON.stringify(fitAuditEntry(entry));
        const partitionKey = encodeTableKey(entry.transactionId);
        for (let attempt = 1; ; attempt++) {
            try {
                await this.tables.audit.createEntity({ partitionKey, rowKey: nextWriteOrderKey(), entry: json });
                return;
            } catch (e) {
                // A key collision needs another process with the same tag in the same millisecond: take the next key.
                if (statusOf(e) !== 409 || attempt >= 3) throw translateTableError(e, 'writing the audit trail');
            }
        }
    }

    /**
     * Ended transactions last updated before `before`: a filtered scan (the retention timer, once a day), then per
     * transaction its audit partition and index row, then the record itself, so a purge cut short leaves a record whose
     * trail is partly gone rather than a trail without its record (the next run finishes it).
     */
    async purgeEnded(before: string, max: number): Promise<{ transactions: number; auditRows: number }> {
        if (max <= 0) return { transactions: 0, auditRows: 0 };
        const ended = [...finalStates].map((state) => odata`state eq ${state}`).join(' or ');
        const rows = await collect('listing ended transactions to purge', () =>
            this.tables.transactions.listEntities<Row>({
                queryOptions: {
                    filter: `(${ended}) and ${odata`updatedAt lt ${before}`}`,
                    select: ['PartitionKey', 'sourceRecordId'],
                },
            }),
        );
        let transactions = 0;
        let auditRows = 0;
        for (const row of rows.slice(0, max)) {
            const partition = row.partitionKey ?? '';
            const trail = await collect('listing an audit trail to purge', () =>
                this.tables.audit.listEntities<Row>({
                    queryOptions: { filter: odata`PartitionKey eq ${partition}`, select: ['RowKey'] },
                }),
            );
            for (const entry of trail) await this.#deleteRow(this.tables.audit, partition, entry.rowKey ?? '');
            auditRows += trail.length;
            await this.#deleteRow(this.tables.bySource, encodeTableKey(String(row.sourceRecordId)), partition);
            await this.#deleteRow(this.tables.transactions, partition, '');
            this.#known.delete(decodeTableKey(partition));
            transactions++;
        }
        return { transactions, auditRows };
    }

    async #deleteRow(table: TableClient, partitionKey: string, rowKey: string): Promise<void> {
        try {
            await table.deleteEntity(partitionKey, rowKey);
        } catch (e) {
            if (statusOf(e) !== 404) throw translateTableError(e, 'purging an ended transaction');
        }
    }

    async listAudit(transactionId: string): Promise<AuditEntry[]> {
        const rows = await collect('reading the audit trail', () =>
            this.tables.audit.listEntities<Row>({
                queryOptions: { filter: odata`PartitionKey eq ${encodeTableKey(transactionId)}` },
            }),
        );
        return rows.map((row) => JSON.parse(String(row.entry)) as AuditEntry);
    }

    async #read(transactionId: string): Promise<{ record: TransactionRecord; etag: string } | undefined> {
        try {
            const row = await this.tables.transactions.getEntity<Row>(encodeTableKey(transactionId), '');
            const read = { record: toRecord(row), etag: String(row.etag) };
            this.#remember(transactionId, read.record, read.etag);
            return read;
        } catch (e) {
            if (statusOf(e) === 404) {
                this.#known.delete(transactionId);
                return undefined;
            }
            throw translateTableError(e, 'reading a transaction');
        }
    }

    #remember(transactionId: string, record: TransactionRecord, etag: string): void {
        this.#known.delete(transactionId);
        // A copy: callers may change what they were given, and an update must start from what is stored.
        this.#known.set(transactionId, { record: structuredClone(record), etag });
        if (this.#known.size > rememberedRecords) {
            const oldest = this.#known.keys().next().value;
            if (oldest !== undefined) this.#known.delete(oldest);
        }
    }
}

function toEntity(record: TransactionRecord): Row & { partitionKey: string; rowKey: string } {
    return {
        partitionKey: encodeTableKey(record.envelope.transactionId),
        rowKey: '',
        sourceRecordId: record.envelope.source.recordId,
        state: record.state,
        attempts: record.attempts,
        acceptedAt: record.envelope.acceptedAt,
        updatedAt: record.updatedAt,
        ...(record.erpPostingId !== undefined ? { erpPostingId: record.erpPostingId } : {}),
        ...(record.claim ? { claimOwner: record.claim.owner, claimUntil: record.claim.until } : {}),
        ...(record.lookUpBeforePush ? { lookUpBeforePush: true } : {}),
        ...(record.revision !== undefined ? { revision: record.revision } : {}),
        ...toChunkedColumns('envelope', JSON.stringify(record.envelope)),
        ...(record.lastFailure ? toChunkedColumns('lastFailure', JSON.stringify(record.lastFailure)) : {}),
    };
}

function toRecord(row: Row): TransactionRecord {
    const lastFailure = fromChunkedColumns(row, 'lastFailure');
    return {
        envelope: JSON.parse(fromChunkedColumns(row, 'envelope') ?? 'null') as TransactionEnvelope,
        state: row.state as TransactionState,
        attempts: Number(row.attempts),
        ...(typeof row.erpPostingId === 'string' ? { erpPostingId: row.erpPostingId } : {}),
        ...(typeof row.claimOwner === 'string'
            ? { claim: { owner: row.claimOwner, until: String(row.claimUntil) } }
            : {}),
        ...(row.lookUpBeforePush === true ? { lookUpBeforePush: true } : {}),
        ...(typeof row.revision === 'number' ? { revision: row.revision } : {}),
        ...(lastFailure !== undefined ? { lastFailure: JSON.parse(lastFailure) as Failure } : {}),
        updatedAt: String(row.updatedAt),
    };
}

async function guard<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (e) {
        throw translateTableError(e, what);
    }
}

async function collect(what: string, query: () => AsyncIterable<Row>): Promise<Row[]> {
    return guard(what, async () => {
        const rows: Row[] = [];
        for await (const row of query()) rows.push(row);
        return rows;
    });
}
