import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { Alert, AlertStore } from '../../ports/alertStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';
import { decodeTableKey, encodeTableKey } from './tableKey';
import { VersionedRows } from './tableVersionedRows';

// Table Storage's limit for one entity-group transaction.
const batchSize = 100;

/**
 * Alerts in `alerts` (PartitionKey 'alert', RowKey = id; `groupKey` and `state` as columns for filters) and the
 * members counted into each in `alertMembers` (PartitionKey = scope, RowKey = member): insert-only rows, so a
 * storm's counting never contends for one entity and a member is counted once however often it is seen.
 */
export class TableAlertStore implements AlertStore {
    private constructor(
        private readonly rows: VersionedRows<Alert>,
        private readonly members: TableClient,
    ) {}

    static async create(
        connection: TableConnection,
        names: { alerts?: string; members?: string } = {},
    ): Promise<TableAlertStore> {
        const alerts = tableClient(connection, names.alerts ?? 'alerts');
        const members = tableClient(connection, names.members ?? 'alertMembers');
        await createTableIfMissing(alerts);
        await createTableIfMissing(members);
        const columns = (a: Alert) => ({ groupKey: a.groupKey, state: a.state });
        return new TableAlertStore(new VersionedRows<Alert>(alerts, 'alert', 'an alert', columns), members);
    }

    create(alert: Alert): Promise<'created' | 'exists'> {
        return this.rows.create(alert.id, alert);
    }

    get(id: string): Promise<Alert | undefined> {
        return this.rows.get(id);
    }

    async findUnresolved(groupKey: string): Promise<Alert | undefined> {
        const found = await this.rows.list(odata`groupKey eq ${groupKey} and state ne 'resolved'`);
        return found.sort((a, b) => b.firstAt.localeCompare(a.firstAt))[0];
    }

    replace(next: Alert, expectedVersion: number): Promise<boolean> {
        return this.rows.replace(next.id, next, expectedVersion);
    }

    async list(options: { unresolvedOnly?: boolean; max: number }): Promise<Alert[]> {
        return (await this.rows.list(options.unresolvedOnly ? "state ne 'resolved'" : undefined))
            .sort((a, b) => b.firstAt.localeCompare(a.firstAt) || a.id.localeCompare(b.id))
            .slice(0, options.max);
    }

    async addMember(scope: string, member: string): Promise<boolean> {
        try {
            await this.members.createEntity({ partitionKey: encodeTableKey(scope), rowKey: encodeTableKey(member) });
            return true;
        } catch (e) {
            if (statusOf(e) === 409) return false;
            throw translateTableError(e, 'counting an alert member');
        }
    }

    /**
     * Inserts in entity-group transactions of 100 (one partition per scope): a storm's first pass is a few requests,
     * not one per failure. A batch refused because one member exists already (another pass raced this one) is
     * redone one by one, so every member is counted exactly once.
     */
    async addMembers(scope: string, members: string[]): Promise<string[]> {
        const partitionKey = encodeTableKey(scope);
        const unique = [...new Set(members)];
        const added: string[] = [];
        for (let i = 0; i < unique.length; i += batchSize) {
            const chunk = unique.slice(i, i + batchSize);
            try {
                await this.members.submitTransaction(
                    chunk.map((m) => ['create', { partitionKey, rowKey: encodeTableKey(m) }] as const),
                );
                added.push(...chunk);
            } catch (e) {
                if (statusOf(e) !== 409) throw translateTableError(e, 'counting alert members');
                for (const m of chunk) if (await this.addMember(scope, m)) added.push(m);
            }
        }
        return added;
    }

    async listMembers(scope: string): Promise<Set<string>> {
        const found = new Set<string>();
        try {
            const filter = odata`PartitionKey eq ${encodeTableKey(scope)}`;
            for await (const row of this.members.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
                if (typeof row.rowKey === 'string') found.add(decodeTableKey(row.rowKey));
            }
        } catch (e) {
            throw translateTableError(e, 'listing alert members');
        }
        return found;
    }

    async hasMember(scope: string, member: string): Promise<boolean> {
        try {
            await this.members.getEntity(encodeTableKey(scope), encodeTableKey(member));
            return true;
        } catch (e) {
            if (statusOf(e) === 404) return false;
            throw translateTableError(e, 'reading an alert member');
        }
    }
}
