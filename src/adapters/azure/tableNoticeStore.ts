import type { Notice, NoticeStore } from '../../ports/noticeStore';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing } from './tableErrors';
import { VersionedRows } from './tableVersionedRows';

/** Handover notices in `notices` (PartitionKey 'notice', RowKey = handover key, `state` as a column for filters). */
export class TableNoticeStore implements NoticeStore {
    private constructor(private readonly rows: VersionedRows<Notice>) {}

    static async create(connection: TableConnection, table = 'notices'): Promise<TableNoticeStore> {
        const client = tableClient(connection, table);
        await createTableIfMissing(client);
        return new TableNoticeStore(
            new VersionedRows<Notice>(client, 'notice', 'a notice', (n) => ({ state: n.state })),
        );
    }

    create(notice: Notice): Promise<'created' | 'exists'> {
        return this.rows.create(notice.key, notice);
    }

    get(key: string): Promise<Notice | undefined> {
        return this.rows.get(key);
    }

    replace(next: Notice, expectedVersion: number): Promise<boolean> {
        return this.rows.replace(next.key, next, expectedVersion);
    }

    async list(options: { openOnly?: boolean; max: number }): Promise<Notice[]> {
        const filter = options.openOnly ? "state eq 'pending' or state eq 'sending' or state eq 'retrying'" : undefined;
        return (await this.rows.list(filter))
            .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.key.localeCompare(b.key))
            .slice(0, options.max);
    }
}
