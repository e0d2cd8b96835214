import type { TableClient } from '@azure/data-tables';
import { addCall, type CallMeter, type DayMeter, emptyDay, type MeteredCall } from '../../ports/callMeter';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

/**
 * The ERP call meter in the `meter` table, one row per day. Calls are added in memory and flushed with optimistic
 * concurrency (ETag), so several instances add to one day without losing counts and the hot path does not wait on it.
 */
export class TableCallMeter implements CallMeter {
    #pending: MeteredCall[] = [];
    #flushing: Promise<void> | undefined;

    private constructor(private readonly table: TableClient) {}

    static async create(connection: TableConnection, table = 'meter'): Promise<TableCallMeter> {
        const meter = new TableCallMeter(tableClient(connection, table));
        await createTableIfMissing(meter.table);
        return meter;
    }

    async record(call: MeteredCall): Promise<void> {
        this.#pending.push(call);
        this.#flushing ??= this.#flush().finally(() => {
            this.#flushing = undefined;
        });
        await this.#flushing;
    }

    async read(day: string): Promise<DayMeter> {
        if (this.#flushing) await this.#flushing;
        return (await this.#load(day)).meter;
    }

    async #flush(): Promise<void> {
        while (this.#pending.length > 0) {
            const batch = this.#pending;
            this.#pending = [];
            const days = [...new Set(batch.map((c) => c.day))];
            for (const day of days) {
                for (let attempt = 0; ; attempt++) {
                    const { meter, etag } = await this.#load(day);
                    const next = batch.filter((c) => c.day === day).reduce(addCall, meter);
                    try {
                        const entity = { partitionKey: 'day', rowKey: day, json: JSON.stringify(next) };
                        if (etag) await this.table.updateEntity(entity, 'Replace', { etag });
                        else await this.table.createEntity(entity);
                        break;
                    } catch (e) {
                        if ((statusOf(e) === 412 || statusOf(e) === 409) && attempt < 10) continue;
                        throw translateTableError(e, 'writing the call meter');
                    }
                }
            }
        }
    }

    async #load(day: string): Promise<{ meter: DayMeter; etag?: string }> {
        try {
            const row = await this.table.getEntity<{ json: string }>('day', day);
            return { meter: JSON.parse(row.json) as DayMeter, etag: row.etag };
        } catch (e) {
            if (statusOf(e) === 404) return { meter: emptyDay(day) };
            throw translateTableError(e, 'reading the call meter');
        }
    }
}
