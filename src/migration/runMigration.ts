import { join } from 'node:path';
import { type ApplyPorts, type ApplyResult, applyMigration } from './applyMigration';
import { auditSource } from './auditSource';
import { buildDryRunReport, type DryRunReport, dryRunMarkdown } from './dryRunReport';
import type { ErpReservationReader } from './erpReservationReader';
import { readLegacySource } from './legacySource';
import { loadMigrationMap } from './loadMigrationMap';
import type { MigrationPlan } from './migrationPlan';
import { MigrationState, sha256File } from './migrationState';
import { type Progress, silentProgress } from './progress';
import { type VerifyResult, verifyMigration } from './verifyMigration';

export interface MigrationRunOptions {
    source: string;
    mapPath: string;
    stateDir: string;
    now?: () => Date;
    progress?: Progress;
}

/** Apply refused before anything was written: why, and who must act. */
export class ApplyRefusedError extends Error {
    readonly code = 'MIGRATION_APPLY_REFUSED';
    readonly owner = 'salesOperations';
    constructor(message: string) {
        super(message);
        this.name = 'ApplyRefusedError';
    }
}

function prepare(options: MigrationRunOptions): {
    plan: MigrationPlan;
    contentHash: string;
    mapVersion: string;
    minimum: number;
} {
    const { map, text } = loadMigrationMap(options.mapPath);
    const source = readLegacySource(options.source, map, text);
    return {
        plan: auditSource(source, map),
        contentHash: source.contentHash,
        mapVersion: map.version,
        minimum: map.minimumCleanDryRuns,
    };
}

/** A numbered dry run: audits the source and writes a dated report into the state folder. Touches no system. */
export function dryRun(options: MigrationRunOptions): {
    report: DryRunReport;
    files: { json: string; markdown: string };
} {
    const state = new MigrationState(options.stateDir);
    const { plan, contentHash, mapVersion } = prepare(options);
    const createdAt = (options.now?.() ?? new Date()).toISOString();
    const number = state.nextRunNumber();
    const report = buildDryRunReport(plan, { number, createdAt, source: options.source, contentHash, mapVersion });
    const files = state.recordDryRun(
        { number, at: createdAt, contentHash, clean: report.clean },
        `${JSON.stringify(report)}\n`,
        dryRunMarkdown(report),
    );
    return { report, files };
}

/** Records who approved which dry-run report (its SHA-256 is taken now, so a later edit of the report voids it). */
export function signOff(
    stateDir: string,
    dryRunNumber: number,
    approvedBy: string,
    role: string | undefined,
    now = new Date(),
): string {
    const state = new MigrationState(stateDir);
    const run = state.runs().find((r) => r.number === dryRunNumber);
    if (!run) throw new ApplyRefusedError(`there is no dry run ${dryRunNumber} in ${stateDir}`);
    if (!run.clean)
        throw new ApplyRefusedError(`dry run ${dryRunNumber} has blocking findings; it cannot be signed off`);
    if (approvedBy.trim() === '') throw new ApplyRefusedError('a sign-off names who approved (--by)');
    state.writeSignOff({
        dryRun: dryRunNumber,
        reportSha256: sha256File(join(stateDir, run.report)),
        approvedBy,
        ...(role ? { role } : {}),
        approvedAt: now.toISOString(),
    });
    return state.signOffPath;
}

/**
 * Refuses unless this exact source (content hash, map included) has had the required number of clean dry runs and
 * a sign-off names a clean dry run of it whose report is unchanged; then loads and verifies.
 */
export async function apply(
    ports: ApplyPorts & { erpReader: ErpReservationReader },
    options: MigrationRunOptions & { signOffPath?: string; concurrency?: number; crashAfterRows?: number },
): Promise<{ apply: ApplyResult; verify: VerifyResult; contentHash: string }> {
    const state = new MigrationState(options.stateDir);
    const { plan, contentHash, minimum } = prepare(options);
    if (plan.findings.some((f) => f.blocks)) {
        throw new ApplyRefusedError('the source has blocking findings; run a dry run and fix them first');
    }
    const clean = state.runs().filter((r) => r.contentHash === contentHash && r.clean);
    if (clean.length < minimum) {
        throw new ApplyRefusedError(
            `this source (content hash ${contentHash.slice(0, 16)}) has ${clean.length} clean dry run(s); ${minimum} are required before the load`,
        );
    }
    const signOff = state.readSignOff(options.signOffPath);
    if (typeof signOff === 'string') throw new ApplyRefusedError(signOff);
    const approved = clean.find((r) => r.number === signOff.dryRun);
    if (!approved) {
        throw new ApplyRefusedError(
            `the sign-off approves dry run ${signOff.dryRun}, which is not a clean dry run of this source`,
        );
    }
    if (sha256File(join(options.stateDir, approved.report)) !== signOff.reportSha256) {
        throw new ApplyRefusedError(`the report of dry run ${signOff.dryRun} changed after it was signed off`);
    }
    const progress = options.progress ?? silentProgress;
    const applied = await applyMigration(ports, {
        plan,
        contentHash,
        state,
        progress,
        ...(options.now ? { now: options.now } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.crashAfterRows !== undefined ? { crashAfterRows: options.crashAfterRows } : {}),
    });
    const verify = await verifyMigration(ports, plan, {
        progress,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    return { apply: applied, verify, contentHash };
}
