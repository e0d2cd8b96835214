import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { Condition, ConditionStore } from '../../ports/conditionStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

/**
 * Conditions in `conditions` (PartitionKey 'condition', RowKey = encoded key, the condition as JSON) and the sessions
 * parked under each in `parkedSessions` (PartitionKey = encoded key, RowKey = session id): insert-only rows, so
 * many units parking under one frozen period never contend for one entity.
 */
export class TableConditionStore implements ConditionStore {
    private constructor(
        private readonly conditions: TableClient,
        private readonly parked: TableClient,
    ) {}

    static async create(
        connection: TableConnection,
        names: { conditions?: string; parked?: string } = {},
    ): Promise<TableConditionStore> {
        const store = new TableConditionStore(
            tableClient(connection, names.conditions ?? 'conditions'),
            tableClient(connection, names.parked ?? 'parkedSessions'),
        );
        await createTableIfMissing(store.conditions);
        await createTableIfMissing(store.parked);
        return store;
    }

    async open(condition: Omit<Condition, 'status'>): Promise<Condition> {
        const existing = await this.get(condition.key);
        if (existing?.status === 'active') return existing;
        const stored: Condition = { ...condition, status: 'active' };
        await this.#write(stored);
        return stored;
    }

    async get(key: string): Promise<Condition | undefined> {
        try {
            const row = await this.conditions.getEntity<{ json: string }>('condition', encodeURIComponent(key));
            return JSON.parse(row.json) as Condition;
        } catch (e) {
            if (statusOf(e) === 404) return undefined;
            throw translateTableError(e, 'reading a condition');
        }
    }

    async listActive(): Promise<Condition[]> {
        const found: Condition[] = [];
        try {
            for await (const row of this.conditions.listEntities<{ json: string; status: string }>({
                queryOptions: { filter: odata`PartitionKey eq 'condition' and status eq 'active'` },
            })) {
                found.push(JSON.parse(row.json) as Condition);
            }
        } catch (e) {
            throw translateTableError(e, 'listing conditions');
        }
        return found.sort((a, b) => a.since.localeCompare(b.since));
    }

    async clear(key: string, at: string): Promise<void> {
        const c = await this.get(key);
        if (c) await this.#write({ ...c, status: 'cleared', clearedAt: at });
    }

    async markProbed(key: string, at: string): Promise<void> {
        const c = await this.get(key);
        if (c) await this.#write({ ...c, lastProbeAt: at });
    }

    async addParkedSession(key: string, sessionId: string): Promise<void> {
        try {
            await this.parked.upsertEntity({ partitionKey: encodeURIComponent(key), rowKey: sessionId }, 'Replace');
        } catch (e) {
            throw translateTableError(e, 'parking a session');
        }
    }

    async parkedSessions(key: string): Promise<string[]> {
        const sessions: string[] = [];
        try {
            for await (const row of this.parked.listEntities({
                queryOptions: { filter: odata`PartitionKey eq ${encodeURIComponent(key)}` },
            })) {
                sessions.push(row.rowKey ?? '');
            }
        } catch (e) {
            throw translateTableError(e, 'listing parked sessions');
        }
        return sessions.sort();
    }

    async removeParkedSession(key: string, sessionId: string): Promise<void> {
        try {
            await this.parked.deleteEntity(encodeURIComponent(key), sessionId);
        } catch (e) {
            if (statusOf(e) !== 404) throw translateTableError(e, 'unparking a session');
        }
    }

    async #write(condition: Condition): Promise<void> {
        try {
            await this.conditions.upsertEntity(
                {
                    partitionKey: 'condition',
                    rowKey: encodeURIComponent(condition.key),
                    status: condition.status,
                    json: JSON.stringify(condition),
                },
                'Replace',
            );
        } catch (e) {
            throw translateTableError(e, 'writing a condition');
        }
    }
}
