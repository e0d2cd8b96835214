import type { InvocationContext } from '@azure/functions';
import type { LogFields, Logger } from '../../src/ports/logger';

/** The core's Logger port over the invocation's logger (Application Insights in Azure). */
export function contextLogger(context: InvocationContext): Logger {
    const line = (message: string, fields?: LogFields) => (fields ? `${message} ${JSON.stringify(fields)}` : message);
    return {
        info: (m, f) => context.log(line(m, f)),
        warn: (m, f) => context.warn(line(m, f)),
        error: (m, f) => context.error(line(m, f)),
    };
}
