import { type TransactionRecord, transactionStates } from '../domain/transactionRecord';
import type { BlobStore } from '../ports/blobStore';
import type { TransactionStore } from '../ports/transactionStore';
import { pipelineStateFile } from './backupPlan';
import type { BackupTableResult } from './backupRun';
import { judgeCompleteness } from './completeness';
import { type CsvValue, ExportFiles } from './exportFiles';

const header = [
    'transactionId',
    'state',
    'type',
    'action',
    'sessionId',
    'entity',
    'recordId',
    'changedAt',
    'acceptedAt',
    'updatedAt',
    'attempts',
    'erpPostingId',
    'failureClass',
    'failureCode',
    'failureOwner',
    'condition',
    'failureMessage',
];

/**
 * The integration's own state: every transaction and where it stands (confirmed with its ERP posting id, parked
 * under which condition, in review…), so that without the CRM one can still tell what reached the ERP. The store is
 * the only source and has no count, so the check is that each listed transaction was written exactly once.
 */
export async function exportPipelineState(
    store: TransactionStore,
    files: BlobStore,
    prefix: string,
    now: () => Date,
): Promise<BackupTableResult> {
    const out = await ExportFiles.open(
        files,
        { csv: `${prefix}${pipelineStateFile}.csv`, json: `${prefix}${pipelineStateFile}.json` },
        header,
        { table: pipelineStateFile, entity: 'transactions', exportedAt: now().toISOString() },
    );
    const ids = new Set<string>();
    const byState: Record<string, number> = {};
    let exported = 0;
    try {
        for (const state of transactionStates) {
            // States are listed in the order transactions move through them, so one that moves on during the
            // export is seen again later rather than missed; it is written once, in the state first seen.
            const listed = await store.listByState(state, Number.MAX_SAFE_INTEGER);
            const records = listed.filter((r) => !ids.has(r.envelope.transactionId));
            byState[state] = records.length;
            await out.append(records.map(csvRecord), records);
            for (const r of records) ids.add(r.envelope.transactionId);
            exported += records.length;
        }
    } catch (e) {
        await out.abort(e);
        throw e;
    }
    const written = await out.close({ byState });
    const verdict = judgeCompleteness({ expected: exported, capped: false, exported, distinctIds: ids.size });
    return {
        file: pipelineStateFile,
        source: 'pipeline',
        entity: 'transactions',
        expected: exported,
        countCapped: false,
        exported,
        distinctIds: ids.size,
        complete: verdict.complete,
        ...(verdict.complete ? {} : { problem: verdict.problem }),
        files: written,
    };
}

function csvRecord(r: TransactionRecord): CsvValue[] {
    const e = r.envelope;
    const f = r.lastFailure;
    return [
        e.transactionId,
        r.state,
        e.type,
        e.action,
        e.sessionId,
        e.source.entity,
        e.source.recordId,
        e.source.changedAt,
        e.acceptedAt,
        r.updatedAt,
        r.attempts,
        r.erpPostingId ?? null,
        f?.class ?? null,
        f?.code ?? null,
        f?.owner ?? null,
        f?.condition ?? null,
        f?.message ?? null,
    ];
}
