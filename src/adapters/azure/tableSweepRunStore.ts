import { odata, type TableClient } from '@azure/data-tables';
import type { SweepRunStore } from '../../ports/sweepRunStore';
import type { SweepRun } from '../../sweep/sweepRun';
import { fromChunkedColumns, toChunkedColumns } from './chunkedColumn';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, translateTableError } from './tableErrors';

type Row = Record<string, unknown> & { rowKey?: string };

/** Later than any date JavaScript can hold: its distance from a start time sorts the newest run first. */
const latestMs = 8_640_000_000_000_000;

/**
 * Sweep runs in the `sweepRuns` table: PartitionKey 'run', RowKey = the start time counted back from the latest date
 * JavaScript holds, then the id, so a partition read gives the newest run first and the last complete run is the
 * first match. The run is a JSON column (spread over several when longer than one property holds).
 */
export class TableSweepRunStore implements SweepRunStore {
    private constructor(private readonly table: TableClient) {}

    static async create(connection: TableConnection, table = 'sweepRuns'): Promise<TableSweepRunStore> {
        const store = new TableSweepRunStore(tableClient(connection, table));
        await createTableIfMissing(store.table);
        return store;
    }

    async save(run: SweepRun): Promise<void> {
        const rowKey = `${String(latestMs - Date.parse(run.startedAt)).padStart(16, '0')}-${run.id}`;
        try {
            await this.table.upsertEntity(
                {
                    partitionKey: 'run',
                    rowKey,
                    id: run.id,
                    status: run.status,
                    startedAt: run.startedAt,
                    ...toChunkedColumns('run', JSON.stringify(run)),
                },
                'Replace',
            );
        } catch (e) {
            throw translateTableError(e, 'recording a sweep run');
        }
    }

    async get(id: string): Promise<SweepRun | undefined> {
        return (await this.#first(odata`PartitionKey eq 'run' and id eq ${id}`, 1, 'reading a sweep run'))[0];
    }

    async list(max: number): Promise<SweepRun[]> {
        return this.#first(odata`PartitionKey eq 'run'`, max, 'listing sweep runs');
    }

    async lastComplete(): Promise<SweepRun | undefined> {
        const filter = odata`PartitionKey eq 'run' and status eq ${'complete'}`;
        return (await this.#first(filter, 1, 'reading the last complete sweep run'))[0];
    }

    /** The first `max` runs matching, in RowKey order (newest first). */
    async #first(filter: string, max: number, what: string): Promise<SweepRun[]> {
        const runs: SweepRun[] = [];
        if (max <= 0) return runs;
        try {
            for await (const row of this.table.listEntities<Row>({ queryOptions: { filter } })) {
                runs.push(JSON.parse(fromChunkedColumns(row, 'run') ?? 'null') as SweepRun);
                if (runs.length >= max) break;
            }
        } catch (e) {
            throw translateTableError(e, what);
        }
        return runs;
    }
}
