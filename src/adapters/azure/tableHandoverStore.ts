import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { Handover, HandoverStore } from '../../ports/handoverStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

/** Handovers in the `handovers` table (PartitionKey 'handover', RowKey = encoded key); createEntity makes `open` atomic. */
export class TableHandoverStore implements HandoverStore {
    private constructor(private readonly table: TableClient) {}

    static async create(connection: TableConnection, table = 'handovers'): Promise<TableHandoverStore> {
        const store = new TableHandoverStore(tableClient(connection, table));
        await createTableIfMissing(store.table);
        return store;
    }

    async open(handover: Handover): Promise<'created' | 'exists'> {
        try {
            await this.table.createEntity({
                partitionKey: 'handover',
                rowKey: encodeURIComponent(handover.key),
                notice: handover.notice,
                json: JSON.stringify(handover),
            });
            return 'created';
        } catch (e) {
            if (statusOf(e) === 409) return 'exists';
            throw translateTableError(e, 'recording a handover');
        }
    }

    async get(key: string): Promise<Handover | undefined> {
        try {
            return JSON.parse(
                (await this.table.getEntity<{ json: string }>('handover', encodeURIComponent(key))).json,
            ) as Handover;
        } catch (e) {
            if (statusOf(e) === 404) return undefined;
            throw translateTableError(e, 'reading a handover');
        }
    }

    async listPending(max: number): Promise<Handover[]> {
        const found: Handover[] = [];
        try {
            for await (const row of this.table.listEntities<{ json: string }>({
                queryOptions: { filter: odata`PartitionKey eq 'handover' and notice eq 'pending'` },
            })) {
                found.push(JSON.parse(row.json) as Handover);
                if (found.length >= max) break;
            }
        } catch (e) {
            throw translateTableError(e, 'listing handovers');
        }
        return found;
    }
}
