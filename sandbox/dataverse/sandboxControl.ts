import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NormalizedAttributes } from '../../src/dataverse/normalizedEvent';
import { SandboxDataverseError } from './columnValues';
import type { DataverseRecords } from './dataverseRecords';
import { readJson, sendJson } from './webApiHttp';

export interface SandboxDataverseFaults {
    /** Every Nth Web API request answers 429 with `Retry-After: 1` (service protection limits). */
    throttleEvery?: number;
    /** Every Web API request answers 503. */
    down?: boolean;
}

export interface SandboxDataverseState {
    records: DataverseRecords;
    faults: SandboxDataverseFaults;
    /** Web API requests since the faults were last set; drives `throttleEvery`. */
    requests: number;
}

/**
 * The routes tests and the local launch use to steer the sandbox; no auth, loopback only.
 * `PUT /sandbox/faults`, `GET /sandbox/records/{entity}`, `PUT /sandbox/records/{entity}/{id}` (normalised form),
 * `GET /sandbox/writes` (every PATCH received).
 */
export async function sandboxControl(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    state: SandboxDataverseState,
): Promise<void> {
    const [, , resource, entity, id, extra] = url.pathname.split('/').map(decodeURIComponent);
    if (resource === 'faults' && entity === undefined && req.method === 'PUT') {
        state.faults = parseFaults(await readJson(req));
        state.requests = 0;
        res.writeHead(204).end();
        return;
    }
    if (resource === 'writes' && entity === undefined && req.method === 'GET') {
        sendJson(res, 200, state.records.writes);
        return;
    }
    if (resource === 'records' && entity && extra === undefined) {
        if (id === undefined && req.method === 'GET') {
            sendJson(res, 200, state.records.list(entity));
            return;
        }
        if (id && req.method === 'PUT') {
            const body = await readJson(req);
            if (typeof body !== 'object' || body === null || Array.isArray(body)) {
                throw new SandboxDataverseError(400, 'SandboxBadRow', 'a row is a JSON object of normalised values');
            }
            sendJson(res, 200, state.records.put(entity, id, body as NormalizedAttributes));
            return;
        }
    }
    throw new SandboxDataverseError(404, 'SandboxNotFound', `no sandbox route ${req.method} ${url.pathname}`);
}

function parseFaults(body: unknown): SandboxDataverseFaults {
    const { throttleEvery, down } = (body ?? {}) as { throttleEvery?: unknown; down?: unknown };
    const validEvery = throttleEvery === undefined || (Number.isInteger(throttleEvery) && Number(throttleEvery) > 0);
    if (!validEvery || (down !== undefined && typeof down !== 'boolean')) {
        throw new SandboxDataverseError(
            400,
            'SandboxBadFaults',
            'faults are { throttleEvery?: positive integer, down?: boolean }',
        );
    }
    return {
        ...(throttleEvery === undefined ? {} : { throttleEvery: throttleEvery as number }),
        ...(down === undefined ? {} : { down }),
    };
}
