import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { addCall, type CallMeter, type DayMeter, emptyDay, type MeteredCall, sumDays } from '../../ports/callMeter';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, translateTableError } from './tableErrors';

/**
 * The ERP call meter in the `meter` table: each instance counts its own calls of a day in its own row
 * (`day` / `<day>|<instance>`), written at most every `flushEveryMs`, and the day is the sum of the rows. One row per
 * instance, not one shared row: with a fleet of instances each flushing four times a second, compare-and-set on one
 * row kept failing (every writer re-reading and retrying), and the daily retry budget read through it with it. Only
 * its own instance writes a row, so a write needs no read and cannot conflict. Another instance's calls show within
 * its flush interval plus `othersFreshMs` (the others' rows are read at most that often); this instance's own at once.
 * A host killed between flushes loses those few counts: the meter is a measure, the transactions are kept elsewhere.
 * (Rows written by earlier versions, one per day with RowKey `<day>`, are counted in the sum too.)
 */
export class TableCallMeter implements CallMeter {
    #pending: MeteredCall[] = [];
    #flushing: Promise<void> | undefined;
    /** This instance's count of each day, as written (or about to be). */
    readonly #mine = new Map<string, DayMeter>();
    readonly #others = new Map<string, { meter: DayMeter; at: number }>();
    #timer: NodeJS.Timeout | undefined;

    private constructor(
        private readonly table: TableClient,
        private readonly flushEveryMs: number,
        private readonly instance: string,
        private readonly othersFreshMs: number,
    ) {}

    static async create(
        connection: TableConnection,
        table = 'meter',
        flushEveryMs = 250,
        options: { instance?: string; othersFreshMs?: number } = {},
    ): Promise<TableCallMeter> {
        const meter = new TableCallMeter(
            tableClient(connection, table),
            flushEveryMs,
            options.instance ?? randomUUID(),
            options.othersFreshMs ?? 1_000,
        );
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

    /** The day across every instance: this one's calls all, the others' as of their last flush. */
    async read(day: string): Promise<DayMeter> {
        await this.flush();
        const others = await this.#othersOf(day);
        return sumDays(others, this.#mine.get(day) ?? emptyDay(day));
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
            const next = calls.reduce(addCall, this.#mine.get(day) ?? emptyDay(day));
            try {
                await this.table.upsertEntity(
                    { partitionKey: 'day', rowKey: this.#rowKey(day), json: JSON.stringify(next) },
                    'Replace',
                );
            } catch (e) {
                // Not written: kept for the next flush (the row holds the whole day, so nothing counts twice).
                throw translateTableError(e, 'writing the call meter');
            }
            this.#mine.set(day, next);
            // Only the calls this write counted: others may have been recorded while it was on its way.
            const written = new Set(calls);
            this.#pending = this.#pending.filter((c) => !written.has(c));
        }
    }

    #rowKey(day: string): string {
        return `${day}|${this.instance}`;
    }

    async #othersOf(day: string): Promise<DayMeter> {
        const cached = this.#others.get(day);
        if (cached && Date.now() - cached.at < this.othersFreshMs) return cached.meter;
        let sum = emptyDay(day);
        try {
            // The day's rows: RowKey `<day>` (earlier versions) and `<day>|<instance>`; '}' sorts just after '|'.
            const filter = odata`PartitionKey eq 'day' and RowKey ge ${day} and RowKey lt ${`${day}}`}`;
            for await (const row of this.table.listEntities<{ json: string }>({ queryOptions: { filter } })) {
                if (row.rowKey === this.#rowKey(day)) continue;
                sum = sumDays(sum, JSON.parse(row.json) as DayMeter);
            }
        } catch (e) {
            throw translateTableError(e, 'reading the call meter');
        }
        this.#others.set(day, { meter: sum, at: Date.now() });
        return sum;
    }
}
