import type { ContractChange } from '../contract/openapiDiff';
import type { TestCardOutcome } from '../notifications/teamsTestCard';
import type { CrmClient } from '../ports/crmClient';
import type { ErpClient } from '../ports/erpClient';
import type { Notifier } from '../ports/notifier';
import type { SessionQueue } from '../ports/sessionQueue';
import type { TransactionStore } from '../ports/transactionStore';
import type { SmokeCheck } from './smokeCheck';

/** The clients of one environment, built the way the app builds them (same adapters, same identity). */
export interface SmokeTargets {
    crm: CrmClient;
    /** A row set aside for the smoke test: read, and its `re_erpsyncedon` written back. Absent: those checks skip. */
    smokeRecord?: { entity: string; id: string };
    erp: ErpClient;
    /** Diff of the ERP's published contract against ours; absent when the environment publishes none. */
    contractChanges?: () => Promise<ContractChange[]>;
    notifier: Notifier;
    sharedMailbox: string;
    /**
     * Posts one test card to the named channel as the app's Teams identity (locally in-process; in Azure through
     * the function app, the only holder of that identity), or says why it cannot be tried.
     */
    teams: { channel: string; post: () => Promise<TestCardOutcome> } | { channel: string; unavailable: string };
    queue: Pick<SessionQueue, 'peekDeadLetters'>;
    store: Pick<TransactionStore, 'get'>;
    /** GET of the function app's health endpoint: its HTTP status. */
    health?: () => Promise<number>;
    now: () => Date;
    random: () => number;
}

/**
 * What "the integration works" means after an ERP or CRM upgrade, one check per integration point. The checks
 * that write do so only where it is harmless: an integration-owned column of the smoke row, a mail to the shared
 * mailbox itself. Nothing is posted to the ERP and nothing is sent to the transactions queue.
 */
export function integrationChecks(t: SmokeTargets): SmokeCheck[] {
    const token = () =>
        Math.floor(t.random() * 0xffffffff)
            .toString(16)
            .padStart(8, '0');
    const period = () => t.now().toISOString().slice(0, 7);
    const checks: SmokeCheck[] = [
        {
            name: 'read the smoke row',
            point: 'dataverse',
            async run() {
                if (!t.smokeRecord) return { skipped: 'no smoke record configured for this environment' };
                const row = await t.crm.retrieve(t.smokeRecord.entity, t.smokeRecord.id);
                if (!row) throw new Error(`${t.smokeRecord.entity} ${t.smokeRecord.id} not found`);
                return `${t.smokeRecord.entity} ${t.smokeRecord.id}: ${Object.keys(row).length} columns`;
            },
        },
        {
            name: 'write back an integration-owned column',
            point: 'dataverse',
            async run() {
                if (!t.smokeRecord) return { skipped: 'no smoke record configured for this environment' };
                const at = t.now().toISOString();
                await t.crm.writeBack(t.smokeRecord.entity, t.smokeRecord.id, { re_erpsyncedon: at });
                const row = await t.crm.retrieve(t.smokeRecord.entity, t.smokeRecord.id, ['re_erpsyncedon']);
                const written = JSON.stringify(row?.re_erpsyncedon ?? null);
                // Dataverse may answer the date-time in its own format; compare to the minute.
                if (!written.includes(at.slice(0, 16))) throw new Error(`re_erpsyncedon reads ${written}, wrote ${at}`);
                return `re_erpsyncedon = ${at}`;
            },
        },
        {
            name: 'read the accounting period',
            point: 'erp',
            async run() {
                return `period ${period()} is ${await t.erp.periodStatus(period())}`;
            },
        },
        {
            name: 'look up postings by business reference',
            point: 'erp',
            async run() {
                const reference = `smoke-${token()}`;
                const found = await t.erp.findPostings({ resource: 'reservations', reference });
                if (found.length > 0)
                    throw new Error(`postings exist for the fresh reference ${reference}: ${found[0]?.postingId}`);
                return 'no posting for a fresh reference, as the contract says';
            },
        },
        {
            name: 'published contract has no breaking change',
            point: 'erp',
            async run() {
                if (!t.contractChanges) return { skipped: 'this environment publishes no contract document' };
                const changes = await t.contractChanges();
                const breaking = changes.filter((c) => c.severity === 'breaking');
                if (breaking.length) {
                    const first = breaking.slice(0, 3).map((c) => `${c.kind} ${c.at}`);
                    throw new Error(
                        `${breaking.length} breaking change(s): ${first.join('; ')} (npm run contract:diff)`,
                    );
                }
                return `${changes.length} compatible change(s)`;
            },
        },
        {
            name: 'send mail from the shared mailbox',
            point: 'graph',
            async run() {
                await t.notifier.sendMail({
                    to: [t.sharedMailbox],
                    subject: `Integration smoke test ${t.now().toISOString()}`,
                    html: '<p>Sent by <code>npm run smoke</code>: Graph mail works. No action needed.</p>',
                });
                return 'mail accepted (to the shared mailbox itself)';
            },
        },
        {
            name: `post a test card to the Teams channel '${t.teams.channel}'`,
            point: 'teams',
            async run() {
                if ('unavailable' in t.teams) throw new Error(t.teams.unavailable);
                const o = await t.teams.post();
                const where = `${o.channel.teamId}/${o.channel.channelId}`;
                if (o.ok) return `message ${o.messageId} in ${where}`;
                const answer = [o.status ?? 'no answer', o.graphCode].filter(Boolean).join(' ');
                throw new Error(`${answer}: ${o.hint} [${o.message}]`);
            },
        },
        {
            name: 'read the dead-letter queue',
            point: 'serviceBus',
            async run() {
                const dead = await t.queue.peekDeadLetters(10);
                return dead.length
                    ? `${dead.length}${dead.length === 10 ? '+' : ''} dead-lettered (see review)`
                    : 'reachable, no dead letters';
            },
        },
        {
            name: 'read the transaction store',
            point: 'tables',
            async run() {
                const record = await t.store.get(`smoke-${token()}`);
                if (record) throw new Error('an unknown transaction id returned a record');
                return 'reachable';
            },
        },
    ];
    const health = t.health;
    if (health) {
        checks.unshift({
            name: 'health endpoint',
            point: 'functionApp',
            async run() {
                const status = await health();
                if (status !== 200) throw new Error(`GET /api/health answered ${status}`);
                return 'GET /api/health 200';
            },
        });
    }
    return checks;
}
