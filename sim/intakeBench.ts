import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../local/localRuntime';
import { loadLocalSettings } from '../local/localSettings';
import { DataverseWebhookEmitter } from '../sandbox/dataverse/dataverseWebhookEmitter';
import { generateLaunch } from './launchGenerator';
import { percentile } from './launchReport';
import type { Scenario } from './scenarioSchema';

interface CapturedRequest {
    path: string;
    headers: Record<string, string>;
    body: string;
}

export interface IntakeFigures {
    requests: number;
    concurrency: number;
    seconds: number;
    perSecond: number;
    statuses: Record<string, number>;
    latencyMs: { p50: number; p95: number; p99: number };
}

export interface IntakeBenchResult {
    events: number;
    bareNode: IntakeFigures;
    intake: IntakeFigures;
    /** intake.perSecond / bareNode.perSecond */
    ratio: number;
}

/** A bare node:http server that reads the body and answers 202: the floor our intake is compared with. */
async function startBareServer(capture?: CapturedRequest[]): Promise<{ server: Server; url: string }> {
    const server = createServer((req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            if (capture) {
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(req.headers))
                    if (typeof v === 'string' && k.startsWith('x-ms-')) headers[k] = v;
                headers['content-type'] = 'application/json';
                capture.push({ path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') });
            }
            res.writeHead(202, { 'content-type': 'application/json' });
            res.end('{"status":"accepted"}');
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Sends the captured requests to `base` with `concurrency` in flight, timing each. */
async function replay(base: string, requests: CapturedRequest[], concurrency: number): Promise<IntakeFigures> {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let next = 0;
    const started = performance.now();
    const worker = async () => {
        for (;;) {
            const r = requests[next++];
            if (!r) return;
            const t = performance.now();
            const response = await fetch(`${base}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
            await response.arrayBuffer();
            latencies.push(performance.now() - t);
            statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
        requests: requests.length,
        concurrency,
        seconds: round(seconds),
        perSecond: Math.round(requests.length / seconds),
        statuses,
        latencyMs: {
            p50: round(percentile(latencies, 50)),
            p95: round(percentile(latencies, 95)),
            p99: round(percentile(latencies, 99)),
        },
    };
}

/**
 * Intake throughput: the launch's webhook calls are generated once (captured from the emitter), then replayed with
 * the same client and concurrency to a bare node:http server answering 202 and to our intake on the local host
 * (parse, entity map, related look-ups, durable enqueue; the session pump is stopped so only intake runs).
 */
export async function benchIntake(scenario: Scenario, concurrency: number): Promise<IntakeBenchResult> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-intake-'));
    const runtime = await startLocalRuntime(
        loadLocalSettings({
            LOCAL_HOST_PORT: '0',
            LOCAL_ERP_PORT: '0',
            LOCAL_DATAVERSE_PORT: '0',
            LOCAL_GRAPH_PORT: '0',
            LOCAL_AZURITE_BLOB_PORT: '0',
            LOCAL_AZURITE_TABLE_PORT: '0',
            LOCAL_STATE_DIR: join(dir, 'state'),
        }),
    );
    const captured: CapturedRequest[] = [];
    const capture = await startBareServer(captured);
    try {
        await runtime.pump.stop();
        const launch = generateLaunch(scenario, new Date());
        const emitter = new DataverseWebhookEmitter({
            records: runtime.dataverse.records,
            target: { url: `${capture.url}/api/dataverse/events`, functionKey: runtime.functionKey },
        });
        for (const e of launch.events) {
            if (e.kind === 'seed') emitter.seed(e.entity, e.id, e.attributes);
            else if (e.kind === 'create') await emitter.create(e.entity, e.id, e.attributes);
            else await emitter.update(e.entity, e.id, e.attributes);
        }
        // Warm both up on a copy of the first requests (JIT, connection pools), then measure.
        const bare = await startBareServer();
        try {
            await replay(bare.url, captured.slice(0, 200), concurrency);
            const bareNode = await replay(bare.url, captured, concurrency);
            const intake = await replay(runtime.host.url, captured, concurrency);
            return {
                events: captured.length,
                bareNode,
                intake,
                ratio: Math.round((intake.perSecond / Math.max(1, bareNode.perSecond)) * 1000) / 1000,
            };
        } finally {
            bare.server.close();
        }
    } finally {
        capture.server.close();
        await runtime.stop();
    }
}
