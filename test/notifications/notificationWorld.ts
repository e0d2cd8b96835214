import { sandboxGraphTokens } from '../../local/sandboxIdentity';
import { type SandboxGraph, startSandboxGraph } from '../../sandbox/graph/sandboxGraphServer';
import { GraphNotifier } from '../../src/adapters/graph/graphNotifier';
import { MemoryAlertStore } from '../../src/adapters/memory/memoryAlertStore';
import { MemoryConditionStore } from '../../src/adapters/memory/memoryConditionStore';
import { MemoryHandoverStore } from '../../src/adapters/memory/memoryHandoverStore';
import { MemoryNoticeStore } from '../../src/adapters/memory/memoryNoticeStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { loadConfigFile } from '../../src/config/configFile';
import type { NormalizedAttributes } from '../../src/dataverse/normalizedEvent';
import { type NoticeTemplates, noticeTemplatesSchema } from '../../src/notifications/noticeTemplates';
import type { NotificationDeps } from '../../src/notifications/notificationRun';
import { type OwnerRegistry, ownerRegistrySchema } from '../../src/notifications/ownerRegistry';
import type { CrmClient } from '../../src/ports/crmClient';
import type { LogFields } from '../../src/ports/logger';

export const owners: OwnerRegistry = loadConfigFile('config/owners.v1.json', ownerRegistrySchema);
export const templates: NoticeTemplates = loadConfigFile('config/notice-templates.v1.json', noticeTemplatesSchema);

/** A CRM holding contacts by id, failing on demand. */
export class FakeCrm implements CrmClient {
    readonly contacts = new Map<string, NormalizedAttributes>();
    fail: Error | undefined;
    reads = 0;
    async retrieve(entity: string, id: string): Promise<NormalizedAttributes | undefined> {
        this.reads += 1;
        if (this.fail) throw this.fail;
        return entity === 'contact' ? this.contacts.get(id) : undefined;
    }
    async writeBack(): Promise<void> {}
}

export interface World {
    deps: NotificationDeps;
    graph: SandboxGraph;
    crm: FakeCrm;
    clock: { t: number; now(): Date; advanceMinutes(m: number): void };
    logs: { level: string; message: string; fields?: LogFields }[];
    handovers: MemoryHandoverStore;
    notices: MemoryNoticeStore;
    alerts: MemoryAlertStore;
    store: MemoryTransactionStore;
    conditions: MemoryConditionStore;
    setFaults(faults: Record<string, unknown>): Promise<void>;
    close(): Promise<void>;
}

/** Memory stores, the real Graph client against the Graph sandbox, a settable clock and a capturing logger. */
export async function notificationWorld(start = '2026-11-10T09:00:00.000Z'): Promise<World> {
    const clock = {
        t: Date.parse(start),
        now() {
            return new Date(this.t);
        },
        advanceMinutes(m: number) {
            this.t += m * 60_000;
        },
    };
    const graph = await startSandboxGraph({ now: () => clock.now() });
    const logs: World['logs'] = [];
    const logger = {
        info: (message: string, fields?: LogFields) => void logs.push({ level: 'info', message, fields }),
        warn: (message: string, fields?: LogFields) => void logs.push({ level: 'warn', message, fields }),
        error: (message: string, fields?: LogFields) => void logs.push({ level: 'error', message, fields }),
    };
    const crm = new FakeCrm();
    const handovers = new MemoryHandoverStore();
    const notices = new MemoryNoticeStore();
    const alerts = new MemoryAlertStore();
    const store = new MemoryTransactionStore();
    const conditions = new MemoryConditionStore();
    const notifier = new GraphNotifier({
        baseUrl: `${graph.url}/`,
        sharedMailbox: 'handover@contoso-developments.example',
        ...sandboxGraphTokens(graph),
    });
    return {
        deps: {
            handovers,
            notices,
            alerts,
            store,
            conditions,
            crm,
            notifier,
            templates,
            owners,
            clock,
            logger,
            consoleBaseUrl: 'https://console.contoso.example/api/console',
        },
        graph,
        crm,
        clock,
        logs,
        handovers,
        notices,
        alerts,
        store,
        conditions,
        async setFaults(faults) {
            const res = await fetch(`${graph.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify(faults) });
            if (res.status !== 204) throw new Error(`sandbox faults: ${res.status}`);
        },
        close: () => graph.close(),
    };
}

export function handover(unit: string, ownerId: string | null, readyOn = '2026-11-20') {
    return {
        key: `${unit}:${readyOn}`,
        unitId: unit,
        unitCode: `MARINA-T1-${unit}`,
        ownerId,
        readyOn,
        createdAt: '2026-11-10T08:00:00.000Z',
        transactionId: `tx-${unit}`,
        notice: 'pending' as const,
    };
}
