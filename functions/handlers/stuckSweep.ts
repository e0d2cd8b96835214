import type { InvocationContext } from '@azure/functions';
import { sweepStuckTransactions } from '../../src/core/stuckSweep';
import type { ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';

/** Timer `sweep-stuck` (STUCK_SWEEP_SCHEDULE): transactions nothing moves any more are sent to review, in their unit. */
export function createStuckSweepHandler(services: ServicesProvider) {
    return async (_timer: unknown, context: InvocationContext): Promise<void> => {
        const s = await services();
        const report = await sweepStuckTransactions({ ...s, logger: contextLogger(context) });
        if (report.escalating.length > 0 || report.truncated)
            context.log(
                `stuck-transaction sweep: ${report.escalating.length} of ${report.examined} sent to review${report.truncated ? ' (more remain: a listing hit its limit)' : ''}`,
            );
    };
}
