import type { Failure } from '../domain/failure';
import { describeError } from './describeError';

const transientCodes = new Set(['CRM_THROTTLED', 'CRM_UNAVAILABLE', 'CRM_AUTH']);

/**
 * Classifies a failed Dataverse write-back. Throttling, outages and an expired token retry by themselves;
 * anything else (a refused column, a bad request) is a defect the integration team fixes.
 */
export function classifyCrmFailure(e: unknown): Failure {
    const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'CRM_ERROR';
    const retryAfterMs = (e as { retryAfterMs?: unknown })?.retryAfterMs;
    if (transientCodes.has(code)) {
        return {
            class: 'transient',
            code,
            message: `Dataverse write-back failed: ${describeError(e)}`,
            owner: 'integration',
            ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
        };
    }
    return {
        class: 'defect',
        code,
        message: `Dataverse write-back refused: ${describeError(e)}`,
        owner: 'integration',
    };
}
