import type { TableClient } from '@azure/data-tables';
import type { SessionGate, SessionGateStore } from '../../ports/sessionGateStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

/** Session gates in the `sessionGates` table (PartitionKey = session id). Written only under the session's lock. */
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
            return { sessionId, blockedBy: row.blockedBy || null, held: JSON.parse(row.held) as string[] };
        } catch (e) {
            if (statusOf(e) === 404) return { sessionId, blockedBy: null, held: [] };
            throw translateTableError(e, 'reading a session gate');
        }
    }

    async put(gate: SessionGate): Promise<void> {
        try {
            if (gate.blockedBy === null && gate.held.length === 0) {
                await this.table.deleteEntity(gate.sessionId, '').catch((e: unknown) => {
                    if (statusOf(e) !== 404) throw e;
                });
            } else {
                await this.table.upsertEntity(
                    {
                        partitionKey: gate.sessionId,
                        rowKey: '',
                        blockedBy: gate.blockedBy ?? '',
                        held: JSON.stringify(gate.held),
                    },
                    'Replace',
                );
            }
        } catch (e) {
            throw translateTableError(e, 'writing a session gate');
        }
    }
}
