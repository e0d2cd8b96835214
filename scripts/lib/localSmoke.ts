import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../../local/localRuntime';
import { loadLocalSettings } from '../../local/localSettings';
import { CONTRACT_PATH, loadContract } from '../../src/contract/loadContract';
import { diffOpenApi } from '../../src/contract/openapiDiff';
import { postTestCard, resolveChannel } from '../../src/notifications/teamsTestCard';
import { integrationChecks } from '../../src/smoke/integrationChecks';
import { runSmokeChecks, type SmokeResult } from '../../src/smoke/smokeCheck';

/**
 * `--env local`: the local runtime with its sandboxes (Azurite, sandbox ERP, Dataverse and Graph, the embedded
 * queue) on free loopback ports and a fresh state directory, so it never disturbs a running `npm start`.
 * The contract check diffs the committed contract against the working copy: the sandbox ERP is built from it.
 */
export async function smokeLocal(options: {
    timeoutMs: number;
    /** The channel the test card goes to: a contact of the owner registry or `<teamId>/<channelId>`. */
    channel?: string;
    log?: (line: string) => void;
    /** Teams the sandbox's Teams app is installed in (default every team): to see the smoke test's 403. */
    installedTeams?: string[];
}): Promise<SmokeResult[]> {
    const stateDir = mkdtempSync(join(tmpdir(), 'smoke-local-'));
    const free = '0';
    const settings = loadLocalSettings({
        LOCAL_STATE_DIR: stateDir,
        LOCAL_HOST_PORT: free,
        LOCAL_ERP_PORT: free,
        LOCAL_DATAVERSE_PORT: free,
        LOCAL_GRAPH_PORT: free,
        LOCAL_AZURITE_BLOB_PORT: free,
        LOCAL_AZURITE_TABLE_PORT: free,
    });
    const runtime = await startLocalRuntime(settings, options.log);
    try {
        if (options.installedTeams) {
            const res = await fetch(`${runtime.graph.url}/sandbox/installations`, {
                method: 'PUT',
                body: JSON.stringify({ teams: options.installedTeams }),
            });
            if (res.status !== 204) throw new Error(`sandbox installations: ${res.status}`);
        }
        const channel = options.channel ?? 'integration';
        const { owners } = runtime.services.notifications;
        const smokeRecord = { entity: 'contact', id: randomUUID() };
        runtime.dataverse.records.put(smokeRecord.entity, smokeRecord.id, { firstname: 'Smoke', lastname: 'Test' });
        const checks = integrationChecks({
            crm: runtime.services.crm,
            smokeRecord,
            erp: runtime.services.erp,
            contractChanges: async () => diffOpenApi(await loadContract('git:HEAD'), await loadContract(CONTRACT_PATH)),
            notifier: runtime.services.notifier,
            sharedMailbox: settings.GRAPH_SHARED_MAILBOX,
            teams: {
                channel,
                post: () => postTestCard(runtime.services.notifier, resolveChannel(owners, channel), new Date()),
            },
            queue: runtime.queue,
            store: runtime.services.store,
            health: async () => (await fetch(`${runtime.host.url}/api/health`)).status,
            now: () => new Date(),
            random: Math.random,
        });
        return await runSmokeChecks(checks, { timeoutMs: options.timeoutMs });
    } finally {
        await runtime.stop();
        rmSync(stateDir, { recursive: true, force: true });
    }
}
