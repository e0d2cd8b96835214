import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { TransactionStore } from '../ports/transactionStore';

/**
 * How long the integration keeps what it recorded of a transaction once it ended: its state, its audit trail and its
 * index rows go after `retentionDays` (RETENTION_DAYS, default 400: a financial year and its audit, with margin).
 * What it keeps holds no personal data anyway (src/core/personalData.ts); the ERP and the CRM keep their own records.
 * Transactions still waiting for a person are never purged.
 */
export async function purgeExpired(
    deps: { store: TransactionStore; clock: Clock; logger: Logger },
    options: { retentionDays: number; maxPerRun: number },
): Promise<{ before: string; transactions: number; auditRows: number }> {
    const before = new Date(deps.clock.now().getTime() - options.retentionDays * 86_400_000).toISOString();
    const result = await deps.store.purgeEnded(before, options.maxPerRun);
    if (result.transactions > 0)
        deps.logger.info('ended transactions past their retention purged', { before, ...result });
    return { before, ...result };
}
