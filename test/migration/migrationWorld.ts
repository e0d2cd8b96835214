import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SandboxDataverse, startSandboxDataverse } from '../../sandbox/dataverse/sandboxDataverseServer';
import { referenceAlternateKeys } from '../../sandbox/dataverse/sandboxSchema';
import { type SandboxErp, startSandboxErp } from '../../sandbox/erp/sandboxErpServer';
import { generateLegacyData, type LegacyDataOptions } from '../../sim/legacyData/generateLegacyData';
import { writeLegacyData } from '../../sim/legacyData/writeLegacyData';
import { DataverseWebApiClient } from '../../src/adapters/dataverse/dataverseWebApiClient';
import { ErpHttpClient } from '../../src/adapters/erp-http/erpHttpClient';
import { loadConfigFile } from '../../src/config/configFile';
import { createErpFailureClassifier, erpFailureRulesSchema } from '../../src/core/erpFailureClassifier';
import { isEntityRef } from '../../src/dataverse/normalizedEvent';
import { HttpErpReservationReader } from '../../src/migration/erpReservationReader';

export const mapPath = 'config/migration-map.v1.json';

/** The two sandboxes the load writes to, with the real clients the CLI uses. */
export interface MigrationWorld {
    dataverse: SandboxDataverse;
    erp: SandboxErp;
    ports: {
        crm: DataverseWebApiClient;
        erp: ErpHttpClient;
        erpReader: HttpErpReservationReader;
    };
    close(): Promise<void>;
}

export async function startMigrationWorld(): Promise<MigrationWorld> {
    const dataverse = await startSandboxDataverse();
    const erp = await startSandboxErp();
    const getToken = async () => 'sandbox-token';
    const classifier = createErpFailureClassifier(
        loadConfigFile('config/erp-failure-rules.v1.json', erpFailureRulesSchema),
    );
    return {
        dataverse,
        erp,
        ports: {
            crm: new DataverseWebApiClient({
                orgUrl: dataverse.url,
                getToken,
                integrationOwnedFields: {},
                timeoutMs: 10_000,
            }),
            erp: new ErpHttpClient({ baseUrl: erp.url, getToken, timeoutMs: 10_000, classifier }),
            erpReader: new HttpErpReservationReader({ baseUrl: erp.url, getToken, timeoutMs: 10_000 }),
        },
        close: async () => {
            await dataverse.close();
            await erp.close();
        },
    };
}

/** A temporary folder holding a generated export (`source`) and its state folder (`state`). */
export function legacyFolder(options: LegacyDataOptions): {
    dir: string;
    source: string;
    state: string;
    remove(): void;
} {
    const dir = mkdtempSync(join(tmpdir(), 'migration-'));
    const source = join(dir, 'export');
    writeLegacyData(source, generateLegacyData(options));
    return { dir, source, state: join(dir, 'state'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const migratedTables = [
    're_project',
    're_building',
    're_unit',
    'contact',
    'account',
    're_reservation',
    're_installment',
    're_receipt',
    're_commission',
] as const;

/** Every migrated Dataverse row with look-ups shown as the parent's primary name, ids and versions left out. */
export function dataverseSnapshot(dataverse: SandboxDataverse): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const entity of migratedTables) {
        const rows = dataverse.records.list(entity).map((row) => {
            const clean: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(row)) {
                if (k === `${entity}id` || k === 'versionnumber' || k === 'createdon' || k === 'modifiedon') continue;
                // A look-up as the parent's alternate key: ids differ between two loads, keys do not.
                const target = isEntityRef(v) ? dataverse.records.get(v.logicalName, v.id) : undefined;
                const keyColumn = isEntityRef(v) ? referenceAlternateKeys[v.logicalName]?.[0] : undefined;
                clean[k] = isEntityRef(v) ? (target && keyColumn ? target[keyColumn] : `missing ${v.id}`) : v;
            }
            return clean;
        });
        out[entity] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    return out;
}
