import type { Owner } from '../domain/failure';
import type { CrmKeyedClient, CrmWriteValue } from '../ports/crmClient';
import { isCrmThrottledError, isCrmUnavailableError } from '../ports/crmErrors';
import type { ErpClient, ErpRequest } from '../ports/erpClient';
import { erpRequestFor } from './erpPayloads';
import type { MigrationPlan, PlannedRecord, PlannedTable } from './migrationPlan';
import type { Checkpoint, MigrationState } from './migrationState';
import { type Progress, silentProgress } from './progress';

export interface ApplyPorts {
    crm: CrmKeyedClient;
    erp: ErpClient;
}

export interface ApplyOptions {
    plan: MigrationPlan;
    contentHash: string;
    state: MigrationState;
    progress?: Progress;
    /** Rows in flight at once within a table (the order between tables is kept). */
    concurrency?: number;
    now?: () => Date;
    sleep?: (ms: number) => Promise<void>;
    /** Test hook: behave like a killed process after this many rows of this run (no final checkpoint). */
    crashAfterRows?: number;
}

export interface ApplyResult {
    /** Rows loaded by this run, per table. */
    loaded: Record<string, number>;
    /** Rows a previous run had already loaded (from the checkpoint), per table. */
    skipped: Record<string, number>;
    erpPosted: number;
    erpReplayed: number;
    cutoverDate: string;
}

/** A row the load could not write; the checkpoint stays before it, so a re-run resumes there. */
export class MigrationLoadError extends Error {
    readonly code = 'MIGRATION_LOAD_FAILED';
    constructor(
        message: string,
        readonly owner: Owner,
        readonly table: string,
        readonly key: string,
    ) {
        super(message);
        this.name = 'MigrationLoadError';
    }
}

export class SimulatedCrash extends Error {
    constructor() {
        super('simulated crash');
        this.name = 'SimulatedCrash';
    }
}

const checkpointEvery = 500;
/** `re_reservation.re_status` Cancelled. */
const cancelledStatus = 100000001;
const maxAttempts = 6;

/**
 * Loads the plan table by table in dependency order: each row upserted in Dataverse by its alternate key (look-ups
 * bound by the parent's alternate key), then, for tables that post, sent to the ERP under an Idempotency-Key that
 * is the same on every re-run. A checkpoint (rows done per table, a prefix) and the ids Dataverse gave are written
 * as it goes; a re-run starts after the checkpoint and replays at most the rows that were in flight, which both
 * sides absorb (upsert; idempotent replay). Nothing is written twice.
 */
export async function applyMigration(ports: ApplyPorts, options: ApplyOptions): Promise<ApplyResult> {
    const { plan, contentHash, state } = options;
    const progress = options.progress ?? silentProgress;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const concurrency = options.concurrency ?? 8;
    const previous = state.readCheckpoint(contentHash);
    const checkpoint: Checkpoint = previous ?? {
        contentHash,
        cutoverDate: (options.now?.() ?? new Date()).toISOString().slice(0, 10),
        tables: {},
    };
    const ids = state.readIds(contentHash);
    const idOf = (table: string, key: string) => ids.get(`${table}\0${key}`);
    const ctx = { plan, idOf, cutoverDate: checkpoint.cutoverDate, runKey: contentHash.slice(0, 12) };
    const result: ApplyResult = { loaded: {}, skipped: {}, erpPosted: 0, erpReplayed: 0, cutoverDate: ctx.cutoverDate };
    let rowsThisRun = 0;
    let pendingIds: Array<[string, string, string]> = [];
    const save = () => {
        state.appendIds(contentHash, pendingIds);
        pendingIds = [];
        state.writeCheckpoint(checkpoint);
    };

    for (const table of plan.tables) {
        const id = table.rule.id;
        const done = checkpoint.tables[id] ?? 0;
        result.skipped[id] = done;
        result.loaded[id] = 0;
        if (done >= table.records.length) continue;
        progress.start('apply', table.rule.target, table.records.length, done);
        let next = done;
        let prefix = done;
        let sinceSave = 0;
        const finished = new Set<number>();
        let failure: unknown;
        const loadRow = async (record: PlannedRecord) => {
            const { id: rowId } = await retry(
                () =>
                    ports.crm.upsertByKey(
                        table.rule.target,
                        { column: table.rule.key, value: record.key },
                        fields(plan, table, record),
                    ),
                sleep,
                // The source's name for the row: a buyer's key is a national id, which never goes into a message.
                `${table.rule.target} ${record.sourceRef}`,
                id,
            );
            ids.set(`${id}\0${record.key}`, rowId);
            pendingIds.push([id, record.key, rowId]);
            if (table.rule.erp) {
                const request = erpRequestFor(table.rule.erp, record, rowId, ctx);
                await postToErp(ports.erp, request, sleep, result, id, record.sourceRef);
            }
        };
        const worker = async () => {
            while (failure === undefined) {
                const i = next++;
                const record = table.records[i];
                if (record === undefined) return;
                if (options.crashAfterRows !== undefined && rowsThisRun >= options.crashAfterRows) {
                    throw new SimulatedCrash();
                }
                try {
                    await loadRow(record);
                } catch (e) {
                    failure ??= e;
                    return;
                }
                rowsThisRun += 1;
                result.loaded[id] = (result.loaded[id] ?? 0) + 1;
                finished.add(i);
                while (finished.delete(prefix)) prefix += 1;
                checkpoint.tables[id] = prefix;
                progress.tick();
                if (++sinceSave >= checkpointEvery) {
                    sinceSave = 0;
                    save();
                }
            }
        };
        const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
        const crash = settled.find((s) => s.status === 'rejected');
        if (crash?.status === 'rejected') throw crash.reason;
        // A refused row: keep what was done (the checkpoint stops before the refused row) and stop.
        save();
        progress.finish();
        if (failure !== undefined) throw failure;
    }
    await closeCancelledPlans(ports, plan, checkpoint, ctx, save, sleep, result);
    checkpoint.completedAt ??= (options.now?.() ?? new Date()).toISOString();
    save();
    return result;
}

/**
 * A cancelled reservation is posted before its instalments (they need it), so the ERP opened their invoices on a
 * cancelled plan. Sending the cancellation once more, after the plans, closes them as the pipeline's cancellation
 * does. One amendment per cancelled reservation, under its own idempotency key; checkpointed like a table.
 */
async function closeCancelledPlans(
    ports: ApplyPorts,
    plan: MigrationPlan,
    checkpoint: Checkpoint,
    ctx: Parameters<typeof erpRequestFor>[3],
    save: () => void,
    sleep: (ms: number) => Promise<void>,
    result: ApplyResult,
): Promise<void> {
    const reservations = plan.tables.find((t) => t.rule.id === 'reservation');
    if (reservations?.rule.erp !== 'reservation') return;
    const cancelled = reservations.records.filter((r) => r.values.re_status === cancelledStatus);
    const step = 'reservation:closeCancelled';
    for (let i = checkpoint.tables[step] ?? 0; i < cancelled.length; i++) {
        const record = cancelled[i] as PlannedRecord;
        const id = ctx.idOf('reservation', record.key);
        if (id === undefined)
            throw new MigrationLoadError(
                `no Dataverse id for ${record.sourceRef}`,
                'integration',
                'reservation',
                record.sourceRef,
            );
        const request = erpRequestFor('reservation', record, id, ctx);
        const key = `${request.idempotencyKey}-close`;
        await postToErp(
            ports.erp,
            { ...request, idempotencyKey: key, body: { ...request.body, integrationReference: key } },
            sleep,
            result,
            'reservation',
            record.sourceRef,
        );
        checkpoint.tables[step] = i + 1;
    }
    save();
}

async function postToErp(
    erp: ErpClient,
    request: ErpRequest,
    sleep: (ms: number) => Promise<void>,
    result: ApplyResult,
    table: string,
    row: string,
): Promise<void> {
    for (let attempt = 1; ; attempt++) {
        const outcome = await erp.post(request);
        if (outcome.kind === 'posted') {
            if (outcome.replayed) result.erpReplayed += 1;
            else result.erpPosted += 1;
            return;
        }
        const f = outcome.failure;
        if (f.class !== 'transient' || attempt >= maxAttempts) {
            throw new MigrationLoadError(`ERP refused ${table} ${row}: ${f.code} ${f.message}`, f.owner, table, row);
        }
        await sleep(f.retryAfterMs ?? 100 * 2 ** attempt);
    }
}

function fields(plan: MigrationPlan, table: PlannedTable, record: PlannedRecord): Record<string, CrmWriteValue> {
    const out: Record<string, CrmWriteValue> = { ...record.values };
    for (const [column, ref] of Object.entries(record.refs)) {
        // An empty look-up is left out: the Web API sets a look-up only through @odata.bind, which takes no null.
        if (ref === null) continue;
        const target = plan.tables.find((t) => t.rule.id === ref.table)?.rule;
        if (!target) throw new Error(`${table.rule.id}.${column} references unknown table ${ref.table}`);
        out[column] = { bind: target.target, key: { column: target.key, value: ref.key } };
    }
    return out;
}

/** Dataverse throttling (429, after its Retry-After) and outages are retried; anything else stops the load. */
async function retry<T>(
    call: () => Promise<T>,
    sleep: (ms: number) => Promise<void>,
    what: string,
    table: string,
): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await call();
        } catch (e) {
            const transient = isCrmThrottledError(e) || isCrmUnavailableError(e);
            if (!transient || attempt >= maxAttempts) {
                const reason = e instanceof Error ? e.message : String(e);
                throw new MigrationLoadError(`Dataverse refused ${what}: ${reason}`, 'integration', table, what);
            }
            await sleep(isCrmThrottledError(e) ? (e.retryAfterMs ?? 1000) : 100 * 2 ** attempt);
        }
    }
}
