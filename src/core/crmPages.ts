import type { CrmPage, CrmTableReader } from '../ports/crmClient';
import { isCrmThrottledError, isCrmUnavailableError } from '../ports/crmErrors';

export interface PageRetry {
    /** Tries per page before giving up (service protection limits are expected on a big read). */
    maxPageAttempts: number;
    sleep: (ms: number) => Promise<void>;
}

/**
 * One page of a table read, tried again when Dataverse throttles (after its Retry-After) or is unavailable (after a
 * growing wait, at most 30 s); any other error, or the last try's, is thrown.
 */
export async function readPageWithRetries(
    reader: CrmTableReader,
    entity: string,
    request: Parameters<CrmTableReader['readPage']>[1],
    retry: PageRetry,
): Promise<CrmPage> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await reader.readPage(entity, request);
        } catch (e) {
            const transient = isCrmThrottledError(e) || isCrmUnavailableError(e);
            if (!transient || attempt >= retry.maxPageAttempts) throw e;
            const asked = isCrmThrottledError(e) ? e.retryAfterMs : undefined;
            await retry.sleep(asked ?? Math.min(30_000, 1000 * 2 ** (attempt - 1)));
        }
    }
}
