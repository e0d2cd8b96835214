import type { TableClient } from '@azure/data-tables';
import { addCall, type CallMeter, type DayMeter, emptyDay, type MeteredCall } from '../../ports/callMeter';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

/**
 * The ERP call meter in the `meter` table, one row per day. Calls are added in memory and flushed at most every
 * `flushEveryMs` with optimistic concurrency (ETag), so several instances add to one day without losing counts and
 * a posting never waits on the meter. (Writing on every call made it one Table write per posting.) A host killed
 * between flushes loses those few counts: the meter is a measure, the transactions are kept elsewhere. A read
 * flushes first, so the daily retry budget sees every call this instance made.
 */
export class TableCallMeter implements CallMeter {
    #pending: MeteredCall[] = [];
    #flushing: Promise<void> | undefined;
    /** The day as this process last wrote it: the next flush adds to it without a read, unless its ETag is stale. */
    readonly #written = new Map<string, { meter: DayMeter; etag?: string }>();

    #timer: NodeJS.Timeout | undefined;

    private constructor(
        private readonly table: TableClient,
        private readonly flushEveryMs: number,
    ) {}

    static async create(connection: TableConnection, table = 'meter', flushEveryMs = 250): Promise<TableCallMeter> {
        const meter = new TableCallMeter(tableClient(connection, table), flushEveryMs);
        await createTableIfMissing(meter.table);
        return meter;
    }

    async record(call: MeteredCall): Promise<void> {
        this.#pending.push(call);
        // unref: a pending flush does not keep a finished process alive (a CLI reads the meter, which flushes).
        this.#timer ??= setTimeout(() => {
            this.#timer = undefined;
            void this.flush().catch(() => undefined);
        }, this.flushEveryMs).unref();
    }

    async read(day: string): Promise<DayMeter> {
        await this.flush();
        return (await this.#load(day)).meter;
    }

    /** Writes every call recorded so far; a failed write keeps them for the next flush. */
    async flush(): Promise<void> {
        while (this.#flushing) await this.#flushing;
        if (this.#pending.length === 0) return;
        this.#flushing = this.#flush().finally(() => {
            this.#flushing = undefined;
        });
        await this.#flushing;
    }

    async #flush(): Promise<void> {
        while (this.#pending.length > 0) {
            const day = this.#pending[0]?.day ?? '';
            const calls = this.#pending.filter((c) => c.day === day);
            this.#pending = this.#pending.filter((c) => c.day !== day);
            try {
                await this.#write(day, calls);
            } catch (e) {
                // Not written: kept for the next flush (a day is written whole or not at all, so nothing counts twice).
                this.#pending = [...calls, ...this.#pending];
                throw e;
            }
        }
    }

    async #write(day: string, calls: MeteredCall[]): Promise<void> {
        for (let attempt = 0; ; attempt++) {
            const known = attempt === 0 ? this.#written.get(day) : undefined;
            const { meter, etag } = known ?? (await this.#load(day));
            const next = calls.reduce(addCall, meter);
            try {
                const entity = { partitionKey: 'day', rowKey: day, json: JSON.stringify(next) };
                const written = etag
                    ? await this.table.updateEntity(entity, 'Replace', { etag })
                    : await this.table.createEntity(entity);
                this.#written.clear();
                if (written.etag) this.#written.set(day, { meter: next, etag: written.etag });
                return;
            } catch (e) {
                this.#written.delete(day);
                if ((statusOf(e) === 412 || statusOf(e) === 409) && attempt < 10) continue;
                throw translateTableError(e, 'writing the call meter');
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
