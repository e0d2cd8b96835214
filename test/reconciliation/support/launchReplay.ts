import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalRuntime, startLocalRuntime } from '../../../local/localRuntime';
import { loadLocalSettings } from '../../../local/localSettings';
import { DataverseWebhookEmitter } from '../../../sandbox/dataverse/dataverseWebhookEmitter';
import { type GeneratedLaunch, generateLaunch } from '../../../sim/launchGenerator';
import { simulationPolicy } from '../../../sim/launchRunner';
import { type Scenario, scenarioSchema } from '../../../sim/scenarioSchema';
import type { TransactionState } from '../../../src/domain/transactionRecord';

const ports = [
    'LOCAL_HOST_PORT',
    'LOCAL_ERP_PORT',
    'LOCAL_DATAVERSE_PORT',
    'LOCAL_GRAPH_PORT',
    'LOCAL_AZURITE_BLOB_PORT',
    'LOCAL_AZURITE_TABLE_PORT',
];

/**
 * The local runtime on free ports with the simulator's fast retry policy, kept running so a test can reconcile
 * after a launch (sim/launchRunner.ts's runLaunch stops its runtime when it reports).
 */
export async function startReplayRuntime(probeIntervalMs = 300): Promise<LocalRuntime> {
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-'));
    const policyPath = join(dir, 'retry-policy.json');
    writeFileSync(
        policyPath,
        JSON.stringify(simulationPolicy(scenarioSchema.parse({ seed: 1, units: 1, events: 10, probeIntervalMs }))),
    );
    return startLocalRuntime(
        loadLocalSettings({
            ...Object.fromEntries(ports.map((p) => [p, '0'])),
            LOCAL_STATE_DIR: join(dir, 'state'),
            RETRY_POLICY_PATH: policyPath,
            LOCAL_PROBE_TIMER_MS: String(Math.max(50, Math.floor(probeIntervalMs / 4))),
        }),
    );
}

/**
 * Replays a launch the simulator's generator builds from `scenario` (same seed, same launch) through the real
 * pipeline as Dataverse webhooks over HTTP, one unit's events in CRM order, then waits until nothing that can move
 * by itself is waiting (parked transactions stay parked while their condition stands).
 */
export async function replayLaunch(
    runtime: LocalRuntime,
    scenario: Partial<Scenario> & Pick<Scenario, 'seed' | 'units' | 'events'>,
    now = new Date(),
): Promise<GeneratedLaunch> {
    const launch = generateLaunch(scenarioSchema.parse(scenario), now);
    for (const b of launch.buildings) {
        await runtime.services.lookup.put('buildingCode', b.id, b.code);
        await runtime.services.lookup.put('buildingCostCentre', b.id, `CC-${b.code}`);
    }
    for (const f of launch.firms) await runtime.services.lookup.put('brokerVendor', f.id, f.vendor);
    const emitter = new DataverseWebhookEmitter({
        records: runtime.dataverse.records,
        target: { url: `${runtime.host.url}/api/dataverse/events`, functionKey: runtime.functionKey },
    });
    const chains = new Map<string, Promise<void>>();
    for (const event of launch.events) {
        if (event.kind === 'seed') {
            emitter.seed(event.entity, event.id, event.attributes);
            continue;
        }
        const key = event.unit ?? event.id;
        const next = (chains.get(key) ?? Promise.resolve()).then(async () => {
            const result =
                event.kind === 'create'
                    ? await emitter.create(event.entity, event.id, event.attributes)
                    : await emitter.update(event.entity, event.id, event.attributes);
            if (result.status !== 202) throw new Error(`webhook answered ${result.status} for ${event.entity}`);
        });
        chains.set(key, next);
    }
    await Promise.all(chains.values());
    await settle(runtime);
    return launch;
}

/** Waits until no transaction is queued, processing or retrying (parked and held ones wait for their condition). */
export async function settle(runtime: LocalRuntime, timeoutMs = 60_000): Promise<void> {
    const moving: TransactionState[] = ['queued', 'processing', 'retrying'];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        await runtime.pump.idle();
        const counts = await Promise.all(moving.map((s) => runtime.services.store.listByState(s, 1)));
        if (counts.every((c) => c.length === 0)) return;
        if (Date.now() > deadline) throw new Error('the pipeline did not settle');
        await new Promise((r) => setTimeout(r, 100));
    }
}
