import { openStates, type TransactionState } from '../src/domain/transactionRecord';
import type { TransactionStore } from '../src/ports/transactionStore';
import type { SampleLaunchResult } from './sampleLaunch';

/** Through first, then the rest of the open states in their usual order. */
const states: TransactionState[] = ['confirmed', 'posted', ...openStates.filter((s) => s !== 'posted')];

/** What a newcomer reads after `npm start`: what was sent, what the ERP received, what waits and who must act. */
export async function describeLaunch(
    result: SampleLaunchResult,
    ledger: { postings: Array<{ type: string }> },
    store: TransactionStore,
    apiUrl: string,
): Promise<string[]> {
    const byType = new Map<string, number>();
    for (const p of ledger.postings) byType.set(p.type, (byType.get(p.type) ?? 0) + 1);
    const counts = await Promise.all(
        states.map(async (s) => [s, (await store.listByState(s, 10_000)).length] as const),
    );
    const failed = [...(await store.listByState('parked', 20)), ...(await store.listByState('review', 20))];
    const lines = [
        `Sample launch: ${result.sent} Dataverse events sent, ${result.accepted} accepted, ${result.ignored} ignored, ${result.refused.length} refused.`,
        `ERP ledger (ground truth): ${[...byType.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([t, n]) => `${n} ${t}`)
            .join(', ')}.`,
        `Transactions: ${counts
            .filter(([, n]) => n > 0)
            .map(([s, n]) => `${n} ${s}`)
            .join(', ')}.`,
    ];
    for (const f of failed) {
        const failure = f.lastFailure;
        lines.push(
            `  waiting: ${f.envelope.type} ${f.envelope.source.recordId} — ${failure?.class ?? '?'} ${failure?.code ?? ''} (owner: ${failure?.owner ?? '?'})${failure?.condition ? `: ${failure.condition}` : ''}`,
        );
        lines.push(`           see ${apiUrl}/api/transactions?sourceRecordId=${f.envelope.source.recordId}`);
    }
    return lines;
}
