import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import {
    type ErpFleetState,
    type ErpFleetStateStore,
    emptyFleetState,
    erpFleetStateSchema,
    FleetStateUnreadableError,
    storableFleetState,
} from '../../ports/erpFleetState';
import { StoreConflictError } from '../../ports/storeErrors';
import { type TableConnection, tableClient } from './tableClients';
import { createTableIfMissing, statusOf, translateTableError } from './tableErrors';

const partitionKey = 'erp';
const rowKey = 'state';

/**
 * The fleet's shared ERP state as one row (`erpfleet` table, erp/state), changed by compare-and-set on its ETag.
 * One row, not a row per instance: the rule that claims never add up to more than the ERP's limit is about all
 * claims at once, and Table Storage compares-and-sets one entity. Every instance reads it about four times a second
 * while it calls the ERP and writes it only when its claim changes or is renewed (docs/erp-fleet-limit.md).
 */
export class TableErpFleetStateStore implements ErpFleetStateStore {
    private constructor(
        private readonly table: TableClient,
        private readonly maxAttempts: number,
    ) {}

    static async create(
        connection: TableConnection,
        options: { table?: string; maxAttempts?: number } = {},
    ): Promise<TableErpFleetStateStore> {
        return TableErpFleetStateStore.fromClient(tableClient(connection, options.table ?? 'erpfleet'), options);
    }

    static async fromClient(table: TableClient, options: { maxAttempts?: number } = {}) {
        const store = new TableErpFleetStateStore(table, options.maxAttempts ?? 20);
        await createTableIfMissing(store.table);
        return store;
    }

    async read(): Promise<ErpFleetState> {
        return (await this.#load()).state;
    }

    async update(change: (current: ErpFleetState) => ErpFleetState | undefined): Promise<ErpFleetState> {
        for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
            const { state, etag } = await this.#load();
            const next = change(structuredClone(state));
            if (!next) return state;
            const json = JSON.stringify(storableFleetState(next));
            try {
                const entity = { partitionKey, rowKey, json };
                if (etag) await this.table.updateEntity(entity, 'Replace', { etag });
                else await this.table.createEntity(entity);
                return JSON.parse(json) as ErpFleetState;
            } catch (e) {
                // 412: another instance wrote since our read; 409: another created the row first. Run change again.
                if (statusOf(e) === 412 || statusOf(e) === 409) continue;
                throw translateTableError(e, 'writing the ERP fleet state');
            }
        }
        throw new StoreConflictError(
            `the ERP fleet state (table erpfleet, ${partitionKey}/${rowKey}) kept changing under ${this.maxAttempts} attempts to update it`,
        );
    }

    async #load(): Promise<{ state: ErpFleetState; etag?: string }> {
        let row: { json?: unknown; etag: string };
        try {
            row = await this.table.getEntity<{ json?: unknown }>(partitionKey, rowKey);
        } catch (e) {
            if (statusOf(e) === 404) return { state: emptyFleetState() };
            throw translateTableError(e, 'reading the ERP fleet state');
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(String(row.json));
        } catch (e) {
            throw unreadable('its json column is not JSON', e);
        }
        const state = erpFleetStateSchema.safeParse(parsed);
        if (!state.success) throw unreadable(z.prettifyError(state.error), state.error);
        return { state: state.data, etag: row.etag };
    }
}

function unreadable(why: string, cause: unknown): FleetStateUnreadableError {
    return new FleetStateUnreadableError(
        `the ERP fleet state (table erpfleet, row ${partitionKey}/${rowKey}) is not in the shape this version writes: ${why}. ` +
            'Delete the row to start afresh: instances claim their shares again within a second.',
        { cause },
    );
}
