import type { TableClient } from '@azure/data-tables';
import type { Subscription, SubscriptionStore } from '../../ports/subscriptionStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

const partition = 'subscription';

/** Webhook-trigger subscriptions in the `subscriptions` table (PartitionKey 'subscription', RowKey = id). */
export class TableSubscriptionStore implements SubscriptionStore {
    private constructor(private readonly table: TableClient) {}

    static async create(connection: TableConnection, table = 'subscriptions'): Promise<TableSubscriptionStore> {
        const store = new TableSubscriptionStore(tableClient(connection, table));
        await createTableIfMissing(store.table);
        return store;
    }

    async add(subscription: Subscription): Promise<void> {
        try {
            await this.table.upsertEntity(
                {
                    partitionKey: partition,
                    rowKey: encodeURIComponent(subscription.id),
                    json: JSON.stringify(subscription),
                },
                'Replace',
            );
        } catch (e) {
            throw translateTableError(e, 'recording a subscription');
        }
    }

    async remove(id: string): Promise<boolean> {
        try {
            await this.table.deleteEntity(partition, encodeURIComponent(id));
            return true;
        } catch (e) {
            if (statusOf(e) === 404) return false;
            throw translateTableError(e, 'removing a subscription');
        }
    }

    async get(id: string): Promise<Subscription | undefined> {
        try {
            const row = await this.table.getEntity<{ json: string }>(partition, encodeURIComponent(id));
            return JSON.parse(row.json) as Subscription;
        } catch (e) {
            if (statusOf(e) === 404) return undefined;
            throw translateTableError(e, 'reading a subscription');
        }
    }

    async list(): Promise<Subscription[]> {
        const found: Subscription[] = [];
        try {
            for await (const row of this.table.listEntities<{ json: string }>({
                queryOptions: { filter: `PartitionKey eq '${partition}'` },
            })) {
                found.push(JSON.parse(row.json) as Subscription);
            }
        } catch (e) {
            throw translateTableError(e, 'listing subscriptions');
        }
        return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    }
}
