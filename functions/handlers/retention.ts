import type { InvocationContext } from '@azure/functions';
import { purgeExpired } from '../../src/core/retention';
import type { ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';

/** Timer `purge-retention` (RETENTION_SCHEDULE, daily): ended transactions older than RETENTION_DAYS go. */
export function createRetentionHandler(services: ServicesProvider) {
    return async (_timer: unknown, context: InvocationContext): Promise<void> => {
        const s = await services();
        const result = await purgeExpired(
            { ...s, logger: contextLogger(context) },
            { retentionDays: s.settings.RETENTION_DAYS ?? 400, maxPerRun: 20_000 },
        );
        context.log(
            `retention: ${result.transactions} transactions and ${result.auditRows} audit rows before ${result.before}`,
        );
    };
}
