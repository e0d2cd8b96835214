import { join, resolve } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { buildRegistrations } from '../functions/registrations';
import type { Services } from '../functions/services';
import { type SandboxDataverse, startSandboxDataverse } from '../sandbox/dataverse/sandboxDataverseServer';
import { type SandboxErp, startSandboxErp } from '../sandbox/erp/sandboxErpServer';
import { type SandboxGraph, startSandboxGraph } from '../sandbox/graph/sandboxGraphServer';
import { EmbeddedSessionQueue } from '../src/adapters/embedded/embeddedSessionQueue';
import { loadSessionTriggerSettings } from '../src/config/hostSettings';
import type { LogFields, Logger } from '../src/ports/logger';
import type { ReceivedMessage } from '../src/ports/sessionQueue';
import { type AzuriteInstance, startAzurite } from './azurite';
import { ensureFunctionKey } from './functionKey';
import { type LocalHost, startLocalHost } from './localHost';
import { buildLocalServices } from './localServices';
import type { LocalSettings } from './localSettings';
import { queueTrigger } from './queueTrigger';
import { combinedPump, type SessionPump, startSessionPump } from './sessionPump';

export interface LocalRuntime {
    host: LocalHost;
    functionKey: string;
    functionKeyCreated: boolean;
    azurite: AzuriteInstance;
    erp: SandboxErp;
    dataverse: SandboxDataverse;
    graph: SandboxGraph;
    queue: EmbeddedSessionQueue;
    /** Every instance's pump as one (idle once all are). */
    pump: SessionPump;
    /** The first instance's services: intake, timers, and what reads shared state (the store, conditions, meter). */
    services: Services;
    /** Every instance (LOCAL_INSTANCES), the first included: its own services and its own session pump. */
    instances: Array<{ services: Services; pump: SessionPump }>;
    stateDir: string;
    stop(): Promise<void>;
}

/**
 * Everything `npm start` runs, on loopback, with no Azure account: Azurite (Tables, Blobs), the sandbox ERP,
 * Dataverse and Graph, the embedded session queue, the local host serving the Functions registrations, and the
 * session pump calling the queue-triggered function. State persists under `stateDir`, so a restart loses nothing.
 * With LOCAL_INSTANCES > 1, as many Function instances as a scaled-out app: each its own services (ERP pacer, breaker,
 * budget, caches) and session pump, sharing only what Azure shares (queue, Table Storage, the ERP, Dataverse).
 */
export async function startLocalRuntime(
    settings: LocalSettings,
    log: (line: string) => void = () => {},
    hooks: {
        /** Replaces the session function (the benchmark runs baseline retry policies behind the same intake). */
        sessionHandler?: (services: Services, erpUrl: string) => (message: ReceivedMessage) => Promise<void>;
        /** Storage that outlives this host and is not stopped with it (the kill -9 drill: Azure Storage stays up). */
        azurite?: AzuriteInstance;
    } = {},
): Promise<LocalRuntime> {
    const stateDir = resolve(settings.LOCAL_STATE_DIR);
    const started: Array<() => Promise<void>> = [];
    const stopAll = async () => {
        for (const stop of started.splice(0).reverse()) await stop().catch(() => undefined);
    };
    try {
        const { key: functionKey, created } = ensureFunctionKey(join(stateDir, 'function-key'));
        const azurite =
            hooks.azurite ??
            (await startAzurite({
                location: join(stateDir, 'azurite'),
                blobPort: settings.LOCAL_AZURITE_BLOB_PORT,
                tablePort: settings.LOCAL_AZURITE_TABLE_PORT,
            }));
        if (!hooks.azurite) started.push(() => azurite.stop());
        const erp = await startSandboxErp({
            port: settings.LOCAL_ERP_PORT,
            dataFile: join(stateDir, 'erp-ledger.jsonl'),
        });
        started.push(() => erp.close());
        const dataverse = await startSandboxDataverse({
            port: settings.LOCAL_DATAVERSE_PORT,
            dataFile: join(stateDir, 'dataverse.json'),
        });
        started.push(() => dataverse.close());
        const graph = await startSandboxGraph({ port: settings.LOCAL_GRAPH_PORT });
        started.push(() => graph.close());
        const queue = await EmbeddedSessionQueue.open({
            directory: join(stateDir, 'queue'),
            lockDurationMs: settings.LOCAL_QUEUE_LOCK_MS,
            maxDeliveryCount: settings.MAX_DELIVERY_COUNT,
        });
        started.push(() => queue.close());
        if (hooks.sessionHandler && settings.LOCAL_INSTANCES > 1)
            throw new Error('a replaced session function (a baseline policy) runs on one instance: LOCAL_INSTANCES=1');
        const trigger = loadSessionTriggerSettings();
        const logger = lineLogger(log);
        const instances: LocalRuntime['instances'] = [];
        let registrations: ReturnType<typeof buildRegistrations> = [];
        for (let i = 0; i < settings.LOCAL_INSTANCES; i++) {
            const services = await buildLocalServices({
                settings,
                tableConnectionString: azurite.connectionString,
                queue,
                erpUrl: erp.url,
                dataverseUrl: dataverse.url,
                graph,
                logger,
            });
            started.push(async () => services.close?.());
            const own = buildRegistrations(async () => services, 'functionKey');
            if (i === 0) registrations = own;
            const handler = hooks.sessionHandler?.(services, erp.url) ?? queueTrigger(own, log);
            const pump = startSessionPump(queue, handler, {
                maxConcurrentSessions: trigger.maxConcurrentSessions,
                sessionIdleTimeoutMs: trigger.sessionIdleTimeoutMs,
                renewEveryMs: Math.max(1000, Math.floor(settings.LOCAL_QUEUE_LOCK_MS / 3)),
            });
            started.push(() => pump.stop());
            instances.push({ services, pump });
        }
        const first = instances[0] as LocalRuntime['instances'][number];
        const pump = instances.length === 1 ? first.pump : combinedPump(instances.map((i) => i.pump));
        const host = await startLocalHost({ registrations, functionKey, port: settings.LOCAL_HOST_PORT, log });
        started.push(() => host.close());
        // Timers the local host fires by itself, at local intervals; the daily summary, reconciliation and backup
        // run on demand over HTTP locally (on their schedules they would fire every few seconds here).
        const localTimerMs: Record<string, number> = {
            'probe-conditions': settings.LOCAL_PROBE_TIMER_MS,
            // The sweep only acts on what has not moved for stuckAfterMs (the retry policy), so looking often is cheap.
            'sweep-stuck': settings.LOCAL_PROBE_TIMER_MS * 6,
            'dispatch-notifications': settings.LOCAL_NOTIFY_TIMER_MS,
        };
        for (const registration of registrations) {
            const everyMs = registration.kind === 'timer' ? localTimerMs[registration.name] : undefined;
            if (registration.kind !== 'timer' || everyMs === undefined) continue;
            let running = false;
            const timer = setInterval(() => {
                // Like the Functions host, one run of a timer at a time.
                if (running) return;
                running = true;
                const context = new InvocationContext({ functionName: registration.name, logHandler: () => {} });
                registration
                    .handler({}, context)
                    .catch((e: unknown) => log(`[${registration.name}] ${e instanceof Error ? e.message : String(e)}`))
                    .finally(() => {
                        running = false;
                    });
            }, everyMs);
            started.push(async () => clearInterval(timer));
        }
        return {
            host,
            functionKey,
            functionKeyCreated: created,
            azurite,
            erp,
            dataverse,
            graph,
            queue,
            pump,
            services: first.services,
            instances,
            stateDir,
            stop: stopAll,
        };
    } catch (e) {
        await stopAll();
        throw e;
    }
}

/** The runtime's line log as a Logger, for background work that has no invocation to log to. */
function lineLogger(log: (line: string) => void): Logger {
    const line = (level: string) => (message: string, fields?: LogFields) =>
        log(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
    return { info: () => {}, warn: line('warn'), error: line('error') };
}
