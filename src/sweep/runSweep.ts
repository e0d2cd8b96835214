import { randomUUID } from 'node:crypto';
import { backupId } from '../backup/backupRun';
import { type PageRetry, readPageWithRetries } from '../core/crmPages';
import { describeError } from '../core/describeError';
import { acceptEvent, type IntakeDeps } from '../core/intake';
import { changeMarkerColumns, eventFromRow, unchangedSince } from '../core/rowEvent';
import type { NormalizedAttributes } from '../dataverse/normalizedEvent';
import type { EntityRule } from '../mapping/entityMapSchema';
import type { CrmTableReader } from '../ports/crmClient';
import type { SweepRunStore } from '../ports/sweepRunStore';
import {
    maxListed,
    type SweepFailure,
    type SweepReplay,
    type SweepRun,
    type SweepTableResult,
    sweepStatus,
    totalsOf,
} from './sweepRun';

export interface SweepOptions {
    /** Rows per Dataverse page (`Prefer: odata.maxpagesize`). */
    pageSize: number;
    /** Dataverse page reads per run, over all tables: keeps a run inside the service protection limits. */
    maxReads: number;
    /** The first run's window (no complete run before it) reaches back this far. */
    lookbackMs: number;
    /** Tries per page when Dataverse throttles or is unavailable. */
    maxPageAttempts: number;
}

/** The default look-back: a day and an hour, so a daily run overlaps the previous day's by an hour. */
export const defaultLookbackMs = 25 * 3_600_000;

export interface SweepDeps extends IntakeDeps {
    reader: CrmTableReader;
    runs: SweepRunStore;
    options: SweepOptions;
    random: () => number;
    sleep?: (ms: number) => Promise<void>;
}

export interface SweepRequest {
    trigger: SweepRun['trigger'];
    requestedBy?: string;
    /** ISO 8601; default: where the last complete run ended, else `lookbackMs` before `until`. */
    since?: string;
    /** ISO 8601; default: now. */
    until?: string;
}

/** A window that cannot be swept (the caller's `since` / `until`). */
export class SweepWindowError extends Error {
    readonly code = 'INVALID_WINDOW';
    constructor(
        message: string,
        readonly field: 'since' | 'until',
    ) {
        super(message);
        this.name = 'SweepWindowError';
    }
}

/**
 * The daily sweep for events Dataverse gave up on (it retries a webhook once, and an async step's failure rests in
 * its system job): for every table of the entity map, the rows modified in the window are read through the Web API
 * (`$filter` on modifiedon, the mapped columns, paged), and each row whose latest version has no transaction is
 * replayed through intake as the event that would have carried it, so it gets the same idempotency key and mapping
 * as its webhook (a replay of something already taken changes nothing). The window runs from where the last complete
 * run ended (else the last 25 hours) to now; a run that could not read or check everything is incomplete, and the
 * next run sweeps its window again. Reads are sequential and bounded per run (service protection limits). The run is
 * recorded before and after, and only counts and ids are logged.
 */
export async function runSweep(deps: SweepDeps, request: SweepRequest): Promise<SweepRun> {
    const started = deps.clock.now();
    const window = await windowOf(deps, request, started);
    const run: SweepRun = {
        id: backupId(started, deps.random),
        trigger: request.trigger,
        ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
        startedAt: started.toISOString(),
        window,
        status: 'running',
        reads: 0,
        tables: [],
        totals: totalsOf([]),
        replays: [],
        failures: [],
    };
    await deps.runs.save(run);
    deps.logger.info('sweep started', { sweepId: run.id, since: window.since, until: window.until });
    // One correlation id for every replay of the run: the trail of each replayed transaction leads back to it.
    const correlationId = randomUUID();
    const retry: PageRetry = {
        maxPageAttempts: deps.options.maxPageAttempts,
        sleep: deps.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    };
    for (const [entity, rule] of Object.entries(deps.entityMap.entities)) {
        const result: SweepTableResult = {
            entity,
            rowsRead: 0,
            replayed: 0,
            alreadyPresent: 0,
            ignored: 0,
            failed: 0,
            pages: 0,
            complete: false,
        };
        run.tables.push(result);
        await sweepTable(entity, rule, result, run, { ...deps, retry, correlationId });
    }
    run.status = sweepStatus(run.tables);
    run.totals = totalsOf(run.tables);
    run.finishedAt = deps.clock.now().toISOString();
    await deps.runs.save(run);
    deps.logger.info('sweep finished', {
        sweepId: run.id,
        status: run.status,
        reads: run.reads,
        ...run.totals,
    });
    return run;
}

async function windowOf(deps: SweepDeps, request: SweepRequest, now: Date): Promise<SweepRun['window']> {
    const until = request.until ?? now.toISOString();
    const since =
        request.since ??
        (await deps.runs.lastComplete())?.window.until ??
        new Date(Date.parse(until) - deps.options.lookbackMs).toISOString();
    for (const [name, value] of [
        ['since', since],
        ['until', until],
    ] as const) {
        if (Number.isNaN(Date.parse(value))) throw new SweepWindowError(`${name} is not a date: ${value}`, name);
    }
    if (Date.parse(since) >= Date.parse(until))
        throw new SweepWindowError(`the window is empty: since ${since} is not before until ${until}`, 'since');
    if (Date.parse(until) > now.getTime() + 60_000)
        throw new SweepWindowError(`until ${until} is in the future: rows not yet modified cannot be swept`, 'until');
    return { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
}

async function sweepTable(
    entity: string,
    rule: EntityRule,
    result: SweepTableResult,
    run: SweepRun,
    deps: SweepDeps & { retry: PageRetry; correlationId: string },
): Promise<void> {
    const primaryKey = `${entity}id`;
    const columns = [
        ...new Set([
            primaryKey,
            ...rule.fields.map((f) => f.source),
            'createdon',
            'versionnumber',
            ...changeMarkerColumns,
        ]),
    ];
    const filter = `modifiedon ge ${run.window.since} and modifiedon lt ${run.window.until}`;
    let next: string | undefined;
    do {
        if (run.reads >= deps.options.maxReads) {
            result.problem = `read budget of ${deps.options.maxReads} pages spent (SWEEP_MAX_READS); the next run sweeps this window again`;
            return;
        }
        let rows: NormalizedAttributes[];
        try {
            run.reads++;
            const page = await readPageWithRetries(
                deps.reader,
                entity,
                { columns, pageSize: deps.options.pageSize, count: false, filter, ...(next ? { next } : {}) },
                deps.retry,
            );
            rows = page.rows.map((r) => r.attributes);
            next = page.next;
            result.pages++;
        } catch (e) {
            result.problem = `cannot read ${entity} from Dataverse: ${describeError(e)}`;
            listFailure(run, { entity, reason: result.problem });
            deps.logger.warn('sweep could not read a table', { sweepId: run.id, entity });
            return;
        }
        for (const row of rows) {
            result.rowsRead++;
            await sweepRow(entity, rule, row, result, run, deps);
        }
    } while (next !== undefined);
    result.complete = true;
}

async function sweepRow(
    entity: string,
    rule: EntityRule,
    row: NormalizedAttributes,
    result: SweepTableResult,
    run: SweepRun,
    deps: SweepDeps & { correlationId: string },
): Promise<void> {
    const recordId = row[`${entity}id`];
    if (typeof recordId !== 'string') {
        result.failed++;
        listFailure(run, { entity, reason: `a row without its id column ${entity}id` });
        return;
    }
    const raw = row.versionnumber;
    const version = typeof raw === 'number' || typeof raw === 'string' ? String(raw) : undefined;
    try {
        const transactions = await deps.store.listBySourceRecord(recordId.toLowerCase());
        if (version !== undefined && transactions.some((t) => t.envelope.source.version === version)) {
            result.alreadyPresent++;
            return;
        }
        if (unchangedSince(entity, recordId, rule, row, transactions)) {
            result.alreadyPresent++;
            return;
        }
        const message = messageOf(rule, row, transactions.length > 0);
        const event = eventFromRow(entity, recordId, message, row, deps.correlationId);
        const outcome = await acceptEvent(event, deps, true);
        if (outcome.kind === 'accepted') {
            result.replayed++;
            if (run.replays.length < maxListed) {
                const replay: SweepReplay = {
                    entity,
                    recordId: event.recordId,
                    transactionId: outcome.transactionId,
                    ...(version ? { version } : {}),
                    ...(outcome.invalid ? { invalid: outcome.invalid.field } : {}),
                };
                run.replays.push(replay);
            }
        } else if (outcome.kind === 'ignored') {
            result.ignored++;
        } else {
            result.failed++;
            listFailure(run, {
                entity,
                recordId: event.recordId,
                reason: outcome.kind === 'unavailable' ? outcome.reason : outcome.message,
            });
        }
    } catch (e) {
        result.failed++;
        listFailure(run, { entity, recordId, reason: describeError(e) });
    }
}

/**
 * The message the lost event carried, as far as the row tells: created and never modified since is a Create,
 * otherwise an Update (a row created and changed before anyone swept it is sent as it is now, as an Update). The
 * message is part of the idempotency key, so a webhook that arrives after the sweep is recognised as the same change.
 */
function messageOf(rule: EntityRule, row: NormalizedAttributes, known: boolean): string {
    const fresh = !known && typeof row.createdon === 'string' && row.createdon === row.modifiedon;
    const preferred = fresh ? 'Create' : 'Update';
    const other = fresh ? 'Update' : 'Create';
    return (rule.messages as string[]).includes(preferred) ? preferred : other;
}

function listFailure(run: SweepRun, failure: SweepFailure): void {
    if (run.failures.length < maxListed) run.failures.push(failure);
}
