import type { HttpResponseInit } from '@azure/functions';
import { healthResponseSchema } from '../api/operationsSchemas';
import { jsonOf } from '../api/typedJson';
import type { ServicesProvider } from '../services';

/** GET /api/health: 200 once the services are built (configuration valid, clients constructed). */
export function createHealthHandler(services: ServicesProvider) {
    return async (): Promise<HttpResponseInit> => {
        try {
            const s = await services();
            return jsonOf(healthResponseSchema, 200, {
                status: 'ready',
                entityMapVersion: s.entityMap.version,
                erpMapVersion: s.erpMap.version,
            });
        } catch (e) {
            return jsonOf(healthResponseSchema, 503, {
                status: 'not ready',
                reason: e instanceof Error ? e.message : String(e),
            });
        }
    };
}
