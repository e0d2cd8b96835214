import type { HttpResponseInit } from '@azure/functions';
import type { ServicesProvider } from '../services';
import { json } from './jsonResponse';

/** GET /api/health: 200 once the services are built (configuration valid, clients constructed). */
export function createHealthHandler(services: ServicesProvider) {
    return async (): Promise<HttpResponseInit> => {
        try {
            const s = await services();
            return json(200, {
                status: 'ready',
                entityMapVersion: s.entityMap.version,
                erpMapVersion: s.erpMap.version,
            });
        } catch (e) {
            return json(503, { status: 'not ready', reason: e instanceof Error ? e.message : String(e) });
        }
    };
}
