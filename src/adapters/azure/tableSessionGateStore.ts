import type { TableClient } from '@azure/data-tables';
import { GateConflictError, type SessionGate, type SessionGateStore } from '../../ports/sessionGateStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

/**
 * Session gates in the `sessionGates` table (PartitionKey = session id, RowKey ''). The first write inserts (409
 * when someone else inserted first); every later one replaces under the ETag read with it (412 when someone else
 * wrote since). Rows are kept when the gate opens, so an ETag is never reused and a late writer cannot mistake a
 * deleted-and-recreated gate for the one it read.
 */
export class TableSessionGateStore implements SessionGateStore {
    private constructor(private readonly table: TableClient) {}

    static async create(connection: TableConnection, table = 'sessionGates'): Promise<TableSessionGateStore> {
        const store = new TableSessionGateStore(tableClient(connection, table));
        await createTableIfMissing(store.table);
        return store;
    }

    async get(sessionId: string): Promise<SessionGate> {
        try {
            const row = await this.table.getEntity<{ blockedBy: string; held: string }>(sessionId, '');
            return {
                sessionId,
                blockedBy: row.blockedBy || null,
                held: JSON.parse(row.held) as string[],
                version: String(row.etag),
            };
        } catch (e) {
            if (statusOf(e) === 404) return { sessionId, blockedBy: null, held: [] };
            throw translateTableError(e, 'reading a session gate');
        }
    }

    async put(gate: SessionGate): Promise<string> {
        const entity = {
            partitionKey: gate.sessionId,
            rowKey: '',
            blockedBy: gate.blockedBy ?? '',
            held: JSON.stringify(gate.held),
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
}
