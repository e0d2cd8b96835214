import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzuriteInstance, startAzurite } from '../../../local/azurite';
import { TableTransactionStore, type TransactionTables } from '../../../src/adapters/azure/tableTransactionStore';
import { isStoreConflictError, isStoreUnavailableError } from '../../../src/ports/storeErrors';
import { envelope, runTransactionStoreContract } from '../../contract/transactionStore.contract';
import { anyState } from '../../support/anyState';

// The real @azure/data-tables client against Azurite, not a mock.
let azurite: AzuriteInstance;
let location: string;
beforeAll(async () => {
    location = mkdtempSync(join(tmpdir(), 'azurite-tx-'));
    azurite = await startAzurite({ location });
});
afterAll(async () => {
    await azurite?.stop();
    rmSync(location, { recursive: true, force: true });
});

let tableCount = 0;
const names = () => {
    const n = ++tableCount;
    return { transactions: `tx${n}`, bySource: `txsrc${n}`, audit: `txaudit${n}` };
};
const client = (connectionString: string, table: string) =>
    TableClient.fromConnectionString(connectionString, table, {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
    });
const clients = (connectionString: string, n = names()): TransactionTables => ({
    transactions: client(connectionString, n.transactions),
    bySource: client(connectionString, n.bySource),
    audit: client(connectionString, n.audit),
});

const peers = new WeakMap<object, ReturnType<typeof names>>();
runTransactionStoreContract(
    'Table Storage (Azurite)',
    async () => {
        const n = names();
        const store = await TableTransactionStore.create({ connectionString: azurite.connectionString }, n);
        peers.set(store, n);
        return store;
    },
    // Another instance over the same tables: its own memory of ETags, as a second Function instance has.
    (store) => TableTransactionStore.create({ connectionString: azurite.connectionString }, peers.get(store)),
);

describe('TableTransactionStore on Azurite', () => {
    it('keeps the state in one entity keyed by transaction id, with the envelope over several columns', async () => {
        const n = names();
        const store = await TableTransactionStore.create({ connectionString: azurite.connectionString }, n);
        const e = envelope({ data: { notes: 'n'.repeat(45_000) } });
        await store.recordAccepted(e, '2026-11-02T09:00:01.000Z');
        const row = await client(azurite.connectionString, n.transactions).getEntity<Record<string, unknown>>(
            e.transactionId,
            '',
        );
        expect([row.sourceRecordId, row.state, row.attempts, row.acceptedAt, row.updatedAt]).toEqual([
            e.source.recordId,
            'queued',
            0,
            '2026-11-02T09:00:00.000Z',
            '2026-11-02T09:00:01.000Z',
        ]);
        expect(`${row.envelope}${row.envelope_1}`).toBe(JSON.stringify(e));
        expect(row.envelope_2).toBeUndefined();
    });

    it('updates from what it last wrote without a read, and from a fresh read when another instance wrote since', async () => {
        const n = names();
        const reads: string[] = [];
        const tables = clients(azurite.connectionString, n);
        const getEntity = tables.transactions.getEntity.bind(tables.transactions);
        tables.transactions.getEntity = ((pk: string, rk: string, o?: object) => {
            reads.push(pk);
            return getEntity(pk, rk, o);
        }) as typeof tables.transactions.getEntity;
        const a = await TableTransactionStore.fromClients(tables);
        const b = await TableTransactionStore.create({ connectionString: azurite.connectionString }, n);
        const e = envelope();
        await a.recordAccepted(e, '2026-11-02T09:00:01.000Z');
        await a.get(e.transactionId);
        await a.updateState(
            e.transactionId,
            { from: anyState, state: 'processing', attempts: 1 },
            '2026-11-02T09:00:02.000Z',
        );
        await a.updateState(
            e.transactionId,
            { from: anyState, state: 'posted', erpPostingId: 'ERP-1' },
            '2026-11-02T09:00:03.000Z',
        );
        expect(reads).toHaveLength(1);
        // Another instance (an operator's action) changes the record: a's remembered ETag is stale.
        await b.updateState(
            e.transactionId,
            { from: anyState, state: 'review', attempts: 5 },
            '2026-11-02T09:00:04.000Z',
        );
        const after = await a.updateState(
            e.transactionId,
            { from: anyState, state: 'confirmed' },
            '2026-11-02T09:00:05.000Z',
        );
        expect(reads).toHaveLength(2);
        expect(after).toMatchObject({ state: 'confirmed', attempts: 5, erpPostingId: 'ERP-1' });
        expect(await b.get(e.transactionId)).toMatchObject({ state: 'confirmed', attempts: 5, erpPostingId: 'ERP-1' });
    });

    it('lists a record without tripping over an index row whose state entity was never written', async () => {
        const n = names();
        const store = await TableTransactionStore.create({ connectionString: azurite.connectionString }, n);
        const e = envelope();
        await store.recordAccepted(e, 'a');
        // What a crash between the index write and the state write leaves behind.
        await client(azurite.connectionString, n.bySource).createEntity({
            partitionKey: e.source.recordId,
            rowKey: 're_receipt-crashed',
        });
        expect((await store.listBySourceRecord(e.source.recordId)).map((r) => r.envelope.transactionId)).toEqual([
            e.transactionId,
        ]);
    });

    it('turns a refused connection into StoreUnavailableError with the cause kept', async () => {
        const closed = await listenThenClose();
        const store = TableTransactionStore.fromClients(clients(connectionStringFor(closed)));
        const error = await store.catch((e: unknown) => e);
        expect(isStoreUnavailableError(error)).toBe(true);
        expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', name: 'StoreUnavailableError' });
        expect((error as Error).message).toMatch(/^Table Storage unavailable while creating a table: /);
        expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('turns a 503 into StoreUnavailableError and passes a 403 through unchanged', async () => {
        const answers = { status: 204 };
        const server = await fakeTableService(answers);
        try {
            const port = (server.address() as AddressInfo).port;
            const store = await TableTransactionStore.fromClients(clients(connectionStringFor(port)));
            answers.status = 503;
            const unavailable = await store.get('re_receipt-1').catch((e: unknown) => e);
            expect(unavailable).toMatchObject({ code: 'STORE_UNAVAILABLE' });
            expect((unavailable as Error).message).toMatch(/^Table Storage unavailable while reading a transaction: /);
            expect((unavailable as Error).cause).toMatchObject({ statusCode: 503 });
            answers.status = 403;
            const refused = await store.get('re_receipt-1').catch((e: unknown) => e);
            expect(isStoreUnavailableError(refused)).toBe(false);
            expect(refused).toMatchObject({ name: 'RestError', statusCode: 403 });
        } finally {
            await new Promise((r) => server.close(r));
        }
    });

    it('gives up with StoreConflictError when every conditional update meets a newer ETag', async () => {
        const n = names();
        const real = await TableTransactionStore.create({ connectionString: azurite.connectionString }, n);
        const e = envelope();
        await real.recordAccepted(e, 'a');
        const tables = clients(azurite.connectionString, n);
        let tries = 0;
        tables.transactions.updateEntity = async () => {
            tries++;
            throw Object.assign(new Error('precondition failed'), { statusCode: 412 });
        };
        const store = await TableTransactionStore.fromClients(tables);
        const error = await store
            .updateState(e.transactionId, { from: anyState, state: 'posted' }, 'b')
            .catch((x: unknown) => x);
        expect(isStoreConflictError(error)).toBe(true);
        expect(error).toMatchObject({
            code: 'STORE_CONFLICT',
            message: `Transaction ${e.transactionId} changed under 8 consecutive updates`,
        });
        expect(tries).toBe(8);
        expect((await real.get(e.transactionId))?.state).toBe('queued');
    });
});

function connectionStringFor(port: number): string {
    const url = `http://127.0.0.1:${port}/devstoreaccount1`;
    return azurite.connectionString.replace(/TableEndpoint=[^;]+;/, `TableEndpoint=${url};`);
}

async function listenThenClose(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    return port;
}

/** A table endpoint that answers every request with one status (an outage or a refusal on demand). */
async function fakeTableService(answers: { status: number }): Promise<Server> {
    const server = createServer((req, res) => {
        req.resume();
        res.writeHead(answers.status, { 'content-type': 'application/json' });
        res.end(
            answers.status === 204
                ? undefined
                : JSON.stringify({ 'odata.error': { code: 'X', message: { value: 'x' } } }),
        );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return server;
}
