import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type AzuriteInstance, startAzurite } from '../local/azurite';
import { startLocalRuntime } from '../local/localRuntime';
import { loadLocalSettings } from '../local/localSettings';
import { DataverseRecords } from '../sandbox/dataverse/dataverseRecords';
import { DataverseWebhookEmitter } from '../sandbox/dataverse/dataverseWebhookEmitter';
import type { ErpLedger } from '../sandbox/erp/erpLedger';
import type { NormalizedAttributes } from '../src/dataverse/normalizedEvent';
import { generateLaunch } from './launchGenerator';
import { countDuplicatePostings, countOrderViolations } from './launchReport';
import type { Scenario } from './scenarioSchema';

/** What a host child prints once it serves. */
interface ChildReady {
    hostUrl: string;
    erpUrl: string;
    dataverseUrl: string;
    functionKey: string;
}

/** What the parent hands a host child: its state folder, the storage that outlives it, the look-ups to seed. */
export interface ChildArgs {
    stateDir: string;
    azurite: Pick<AzuriteInstance, 'tableUrl' | 'blobUrl' | 'connectionString' | 'options'>;
    lookups: Array<[string, string, string]>;
}

/**
 * The host process the drill kills: the local runtime (host, session pump, probe timer, sandbox ERP and Dataverse
 * with their files) on a state folder, using Azurite that the parent runs (Azure Storage does not die with a host).
 */
export async function runHostChild(args: ChildArgs): Promise<void> {
    const runtime = await startLocalRuntime(
        loadLocalSettings({
            LOCAL_HOST_PORT: '0',
            LOCAL_ERP_PORT: '0',
            LOCAL_DATAVERSE_PORT: '0',
            LOCAL_GRAPH_PORT: '0',
            LOCAL_AZURITE_BLOB_PORT: '0',
            LOCAL_AZURITE_TABLE_PORT: '0',
            LOCAL_STATE_DIR: args.stateDir,
            LOCAL_PROBE_TIMER_MS: '250',
        }),
        () => {},
        { azurite: { ...args.azurite, stop: async () => {} } },
    );
    for (const [kind, key, value] of args.lookups) await runtime.services.lookup.put(kind as never, key, value);
    const ready: ChildReady = {
        hostUrl: runtime.host.url,
        erpUrl: runtime.erp.url,
        dataverseUrl: runtime.dataverse.url,
        functionKey: runtime.functionKey,
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
    process.once('SIGTERM', () => {
        runtime.stop().finally(() => process.exit(0));
    });
}

export interface KillHostResult {
    passed: boolean;
    events: number;
    accepted: number;
    posted: number;
    lost: number;
    duplicatePostings: number;
    orderViolations: number;
    refusedWhileDown: number;
    killedAfterEvents: number;
    restartMs: number;
    drainMs: number;
    missing: string[];
    /** Rows the drill could not copy into the host's sandbox Dataverse (a harness fault, not the product's). */
    mirrorFailures: number;
}

/** Rows the emitter writes are mirrored into the host's sandbox Dataverse, so Web API reads and write-backs find them. */
class MirroredRecords extends DataverseRecords {
    target = '';
    failures = 0;
    #pending: Array<Promise<unknown>> = [];
    override put(entity: string, id: string, attributes: NormalizedAttributes): NormalizedAttributes {
        const row = super.put(entity, id, attributes);
        if (this.target)
            this.#pending.push(
                fetch(`${this.target}/sandbox/records/${entity}/${id}`, {
                    method: 'PUT',
                    // The columns as given: the returned view adds system columns the sandbox refuses on a PUT.
                    body: JSON.stringify(attributes),
                }).then(
                    (r) => {
                        if (!r.ok) this.#unsent.push([entity, id, attributes]);
                    },
                    () => this.#unsent.push([entity, id, attributes]),
                ),
            );
        return row;
    }
    #unsent: Array<[string, string, NormalizedAttributes]> = [];
    async flush(): Promise<void> {
        await Promise.all(this.#pending.splice(0));
    }
    /** Rows written while the host was down are copied once it is back (a harness gap, not the product's). */
    async resend(): Promise<void> {
        for (const [entity, id, attributes] of this.#unsent.splice(0)) {
            const r = await fetch(`${this.target}/sandbox/records/${entity}/${id}`, {
                method: 'PUT',
                body: JSON.stringify(attributes),
            }).catch(() => undefined);
            if (!r?.ok) this.failures++;
        }
    }
}

/**
 * kill -9 the host in the middle of a launch and start it again on the same state: the webhook calls made while it is
 * down get no answer and are sent again (as Dataverse retries), and afterwards the ERP's ledger must hold every
 * accepted transaction exactly once, in each unit's order.
 */
export async function killHostDrill(
    scenario: Scenario,
    options: { entry: string; killAtFraction: number; drainTimeoutMs: number; log: (line: string) => void },
): Promise<KillHostResult> {
    const dir = mkdtempSync(join(tmpdir(), 'drill-kill-'));
    const azurite = await startAzurite({ location: join(dir, 'azurite') });
    const launch = generateLaunch(scenario, new Date());
    const args: ChildArgs = {
        stateDir: join(dir, 'state'),
        azurite: {
            tableUrl: azurite.tableUrl,
            blobUrl: azurite.blobUrl,
            connectionString: azurite.connectionString,
            options: azurite.options,
        },
        lookups: [
            ...launch.buildings.flatMap(
                (b): Array<[string, string, string]> => [
                    ['buildingCode', b.id, b.code],
                    ['buildingCostCentre', b.id, `CC-${b.code}`],
                ],
            ),
            ...launch.firms.map((f): [string, string, string] => ['brokerVendor', f.id, f.vendor]),
        ],
    };
    const records = new MirroredRecords();
    let child: { process: ChildProcess; ready: ChildReady } | undefined;
    const startChild = async () => {
        const proc = spawn(process.execPath, [options.entry, '--child', JSON.stringify(args)], {
            stdio: ['ignore', 'pipe', 'inherit'],
        });
        const line = await new Promise<string>((resolve, reject) => {
            const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
            rl.once('line', resolve);
            proc.once('exit', (code) => reject(new Error(`host child exited with ${code} before it was ready`)));
        });
        const ready = JSON.parse(line) as ChildReady;
        records.target = ready.dataverseUrl;
        await records.resend();
        child = { process: proc, ready };
    };
    // The webhook goes through this proxy: while the host is down, the call fails like an unreachable endpoint.
    let refusedWhileDown = 0;
    const proxy: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
            await records.flush();
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers))
                if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
            // Dataverse's async service sends the same call again when it gets no answer or a 503.
            let refused = false;
            for (let attempt = 0; attempt < 1200; attempt++) {
                const target = child?.ready.hostUrl;
                try {
                    if (!target) throw new Error('host down');
                    const r = await fetch(`${target}${req.url ?? ''}`, {
                        method: 'POST',
                        headers,
                        body: Buffer.concat(chunks),
                    });
                    if (r.status !== 503) {
                        res.writeHead(r.status, { 'content-type': 'application/json' });
                        res.end(Buffer.from(await r.arrayBuffer()));
                        return;
                    }
                } catch {
                    // no answer: the host is down or was killed mid-call
                }
                if (!refused) refusedWhileDown++;
                refused = true;
                await new Promise((r) => setTimeout(r, 100));
            }
            res.writeHead(503, { 'content-type': 'application/json' });
            res.end('{"error":{"code":"HOST_DOWN","message":"no answer from the host"}}');
        });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
        await startChild();
        const emitter = new DataverseWebhookEmitter({
            records,
            target: { url: `${proxyUrl}/api/dataverse/events`, functionKey: child?.ready.functionKey ?? '' },
        });
        const sendable = launch.events.filter((e) => e.kind !== 'seed').length;
        const killAt = Math.floor(sendable * options.killAtFraction);
        const accepted: Array<{ id: string; session: string; recordId: string }> = [];
        let sent = 0;
        let restartMs = 0;
        for (const e of launch.events) {
            if (e.kind === 'seed') {
                emitter.seed(e.entity, e.id, e.attributes);
                continue;
            }
            if (sent === killAt && child) {
                options.log(`kill -9 host (pid ${child.process.pid}) after ${sent} events`);
                const dead = child.process;
                child = undefined;
                const exited = new Promise((r) => dead.once('exit', r));
                dead.kill('SIGKILL');
                await exited;
                // Restart in the background while the launch goes on: calls in between are refused and retried.
                const t = Date.now();
                startChild().then(
                    () => {
                        restartMs = Date.now() - t;
                        options.log(`host restarted in ${restartMs} ms`);
                    },
                    (err: unknown) => options.log(`restart failed: ${String(err)}`),
                );
            }
            const result =
                e.kind === 'create'
                    ? await emitter.create(e.entity, e.id, e.attributes)
                    : await emitter.update(e.entity, e.id, e.attributes);
            sent++;
            const body = result.body as { status?: string; transactionId?: string; sessionId?: string };
            if (result.status === 202 && body.status === 'accepted' && body.transactionId)
                accepted.push({ id: body.transactionId, session: body.sessionId ?? '', recordId: e.id });
        }
        for (const p of launch.lateProgress)
            await emitter.update('re_constructionprogress', p.id, {
                re_percentcomplete: p.percent,
                re_reportedon: { date: new Date() },
            });
        const drainStart = Date.now();
        let ledger: ErpLedger | undefined;
        const ids = new Set(accepted.map((a) => a.id));
        for (;;) {
            if (child) ledger = (await (await fetch(`${child.ready.erpUrl}/sandbox/ledger`)).json()) as ErpLedger;
            const posted = new Set(ledger?.postings.map((p) => p.integrationReference) ?? []);
            if ([...ids].every((id) => posted.has(id)) || Date.now() - drainStart > options.drainTimeoutMs) break;
            await new Promise((r) => setTimeout(r, 500));
        }
        const postings = ledger?.postings ?? [];
        const postedKeys = new Set(postings.map((p) => p.integrationReference));
        // Not in the ledger: fine only if the pipeline knows it as stale (an older version, not applied).
        const missing: string[] = [];
        for (const a of accepted.filter((x) => !postedKeys.has(x.id))) {
            const r = child
                ? ((await (
                      await fetch(
                          `${child.ready.hostUrl}/api/transactions?sourceRecordId=${a.recordId}&code=${child.ready.functionKey}`,
                      )
                  ).json()) as {
                      transactions?: Array<{
                          transactionId: string;
                          state: string;
                          lastFailure?: { code?: string; message?: string };
                      }>;
                  })
                : {};
            const t = r.transactions?.find((x) => x.transactionId === a.id);
            const state = t?.state ?? 'unknown';
            if (state !== 'stale')
                missing.push(
                    `${a.id.slice(0, 40)}: ${state} ${t?.lastFailure?.code ?? ''} ${t?.lastFailure?.message ?? ''}`,
                );
        }
        const bySession = new Map<string, string[]>();
        for (const a of accepted) bySession.set(a.session, [...(bySession.get(a.session) ?? []), a.id]);
        const duplicatePostings = countDuplicatePostings(postings);
        const orderViolations = countOrderViolations(bySession, postings);
        return {
            passed: missing.length === 0 && duplicatePostings === 0 && orderViolations === 0 && accepted.length > 0,
            events: sent,
            accepted: accepted.length,
            posted: accepted.filter((a) => postedKeys.has(a.id)).length,
            lost: missing.length,
            duplicatePostings,
            orderViolations,
            refusedWhileDown,
            killedAfterEvents: killAt,
            restartMs,
            drainMs: Date.now() - drainStart,
            missing: missing.slice(0, 10),
            mirrorFailures: records.failures,
        };
    } finally {
        proxy.close();
        const last = child?.process;
        if (last) {
            const exited = new Promise((r) => last.once('exit', r));
            last.kill('SIGTERM');
            await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        }
        await azurite.stop();
    }
}
