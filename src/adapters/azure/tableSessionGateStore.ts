import { odata, type TableClient } from '@azure/data-tables';
import {
    type BacklogEntry,
    GateConflictError,
    type SessionGate,
    type SessionGateStore,
} from '../../ports/sessionGateStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';
import { decodeTableKey, encodeTableKey } from './tableKey';

/** Backlog rows share the gate's partition, after it: RowKey `b:<key>`. */
const backlogPrefix = 'b:';

type Row = { partitionKey?: string; rowKey?: string; etag?: string } & Record<string, unknown>;

/**
 * Session gates and backlogs in the `sessionGates` table, one partition per session (PartitionKey = session id):
 * - the gate row (RowKey '', with the CRM sync lane beside blockedBy and held): the first write inserts (409 when someone else inserted first), every later one
 *   replaces under the ETag read with it (412 when someone else wrote since). It is kept when the gate opens, so an
 *   ETag is never reused and a late writer cannot mistake a re-created gate for the one it read;
 * - one backlog row per accepted, unfinished transaction (RowKey `b:<key>`), inserted by intake, deleted when done.
 * One partition query reads the gate and the backlog together: the backlog costs no extra round trip per message.
 */
export class TableSessionGateStore implements SessionGateStore {
    private constructor(private readonly table: TableClient) {}

    static async create(connection: TableConnection, table = 'sessionGates'): Promise<TableSessionGateStore> {
        const store = new TableSessionGateStore(tableClient(connection, table));
        await createTableIfMissing(store.table);
        return store;
    }

    async get(sessionId: string): Promise<SessionGate & { backlog: readonly BacklogEntry[] }> {
        const gate: SessionGate & { backlog: BacklogEntry[] } = { sessionId, blockedBy: null, held: [], backlog: [] };
        try {
            for await (const row of this.table.listEntities<Row>({
                queryOptions: { filter: odata`PartitionKey eq ${sessionId}` },
            })) {
                const rowKey = row.rowKey ?? '';
                if (rowKey === '') {
                    gate.blockedBy = (row.blockedBy as string) || null;
                    gate.held = JSON.parse(String(row.held)) as string[];
                    const syncs = typeof row.syncs === 'string' ? (JSON.parse(row.syncs) as string[]) : [];
                    if (syncs.length > 0) gate.syncs = syncs;
                    gate.version = String(row.etag);
                } else if (rowKey.startsWith(backlogPrefix)) {
                    gate.backlog.push({
                        key: decodeTableKey(rowKey.slice(backlogPrefix.length)),
                        transactionId: String(row.transactionId),
                    });
                }
            }
        } catch (e) {
            throw translateTableError(e, 'reading a session gate');
        }
        // RowKeys come back in order; decoded keys keep it except where an escape sorts differently: sort to be sure.
        gate.backlog.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        return gate;
    }

    async put(gate: SessionGate): Promise<string> {
        const entity = {
            partitionKey: gate.sessionId,
            rowKey: '',
            blockedBy: gate.blockedBy ?? '',
            held: JSON.stringify(gate.held),
            syncs: JSON.stringify(gate.syncs ?? []),
        };
        try {
            const written =
                gate.version === undefined
                    ? await this.table.createEntity(entity)
                    : await this.table.updateEntity(entity, 'Replace', { etag: gate.version });
            if (!written.etag) throw new Error('Table Storage answered a gate write without an ETag');
            return written.etag;
        } catch (e) {
            const status = statusOf(e);
            if (status === 409 || status === 412 || status === 404) throw new GateConflictError(gate.sessionId);
            throw translateTableError(e, 'writing a session gate');
        }
    }

    async admit(sessionId: string, entry: BacklogEntry): Promise<void> {
        try {
            await this.table.createEntity({
                partitionKey: sessionId,
                rowKey: `${backlogPrefix}${encodeTableKey(entry.key)}`,
                transactionId: entry.transactionId,
            });
        } catch (e) {
            if (statusOf(e) !== 409) throw translateTableError(e, 'admitting a transaction to its session backlog');
        }
    }

    async release(sessionId: string, key: string): Promise<void> {
        try {
            await this.table.deleteEntity(sessionId, `${backlogPrefix}${encodeTableKey(key)}`);
        } catch (e) {
            if (statusOf(e) !== 404) throw translateTableError(e, 'releasing a transaction from its session backlog');
        }
    }
}
