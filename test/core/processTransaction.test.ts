import { describe, expect, it } from 'vitest';
import { MemoryMappingLookup } from '../../src/adapters/memory/memoryMappingLookup';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { loadConfigFile } from '../../src/config/configFile';
import { type ProcessDeps, processTransaction } from '../../src/core/processTransaction';
import type { Failure } from '../../src/domain/failure';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { erpMapSchema } from '../../src/mapping/erpMapSchema';
import type { CrmClient } from '../../src/ports/crmClient';
import type { ErpClient, ErpPosting, ErpPostOutcome, ErpRequest } from '../../src/ports/erpClient';
import { silentLogger } from '../../src/ports/logger';

const erpMap = loadConfigFile('config/erp-map.v1.json', erpMapSchema);
const clock = { now: () => new Date('2026-11-10T09:00:00Z') };

const receipt: TransactionEnvelope = {
    transactionId: 're_receipt-r1-abc',
    type: 'receipt',
    action: 'upsert',
    sessionId: 'unit-u1',
    source: { entity: 're_receipt', recordId: 'r1', message: 'Create', changedAt: '2026-11-10T08:00:00.000Z' },
    correlationId: 'corr-1',
    entityMapVersion: '1.0.0',
    acceptedAt: '2026-11-10T08:00:01.000Z',
    data: {
        receiptId: 'r1',
        receiptNumber: 'RCT-1',
        reservationId: 'res-1',
        reservationNumber: 'RSV-1',
        amount: 1000,
        receivedOn: '2026-11-10T00:00:00.000Z',
        method: 'card',
    },
};

class FakeErp implements ErpClient {
    readonly posts: ErpRequest[] = [];
    readonly ledger = new Map<string, ErpPosting>();
    constructor(private readonly answers: Array<ErpPostOutcome | 'ok'> = []) {}
    async post(request: ErpRequest): Promise<ErpPostOutcome> {
        this.posts.push(request);
        const answer = this.answers.shift() ?? 'ok';
        if (answer !== 'ok') return answer;
        const posting = {
            postingId: `ERP-${this.ledger.size + 1}`,
            idempotencyKey: request.idempotencyKey,
            type: 'receipts',
            reference: 'RCT-1',
            postedAt: 'x',
        };
        this.ledger.set(request.idempotencyKey, posting);
        return { kind: 'posted', postingId: posting.postingId, replayed: false };
    }
    async findByIdempotencyKey(key: string) {
        return this.ledger.get(key);
    }
}

class FakeCrm implements CrmClient {
    readonly writes: Array<Record<string, unknown>> = [];
    constructor(private readonly failures: unknown[] = []) {}
    async retrieve() {
        return undefined;
    }
    async writeBack(_entity: string, _id: string, fields: Record<string, string | number | null>) {
        const failure = this.failures.shift();
        if (failure) throw failure;
        this.writes.push(fields);
    }
}

function deps(
    erp: ErpClient,
    crm: CrmClient = new FakeCrm(),
    store = new MemoryTransactionStore(),
): ProcessDeps & { store: MemoryTransactionStore } {
    return {
        store,
        erp,
        crm,
        lookup: new MemoryMappingLookup(),
        erpMap,
        clock,
        logger: silentLogger,
        maxDeliveryCount: 3,
    };
}

const transient: Failure = { class: 'transient', code: 'HTTP_503', message: 'down', owner: 'integration' };

describe('processTransaction', () => {
    it('posts, writes the posting id back and confirms', async () => {
        const erp = new FakeErp();
        const crm = new FakeCrm();
        const d = deps(erp, crm);
        expect(await processTransaction(receipt, { deliveryCount: 1 }, d)).toEqual({
            kind: 'confirmed',
            settle: true,
            postingId: 'ERP-1',
            replayed: false,
        });
        expect(erp.posts.map((p) => [p.method, p.path, p.idempotencyKey])).toEqual([
            ['PUT', '/erp/v1/receipts/RCT-1', 're_receipt-r1-abc'],
        ]);
        expect(crm.writes).toEqual([
            {
                re_erppostingid: 'ERP-1',
                re_erpsyncstatus: 'posted',
                re_erpsyncerror: null,
                re_erpsyncedon: '2026-11-10T09:00:00.000Z',
            },
        ]);
        expect((await d.store.get(receipt.transactionId))?.state).toBe('confirmed');
    });

    it('asks for redelivery on a transient failure, and records dead-lettering on the last delivery', async () => {
        const d = deps(
            new FakeErp([
                { kind: 'failed', failure: transient },
                { kind: 'failed', failure: transient },
            ]),
        );
        expect(await processTransaction(receipt, { deliveryCount: 1 }, d)).toMatchObject({
            kind: 'retry',
            settle: false,
            lastDelivery: false,
        });
        expect((await d.store.get(receipt.transactionId))?.state).toBe('retrying');
        expect(await processTransaction(receipt, { deliveryCount: 3 }, d)).toMatchObject({
            kind: 'retry',
            lastDelivery: true,
        });
        expect((await d.store.get(receipt.transactionId))?.state).toBe('deadLettered');
    });

    it('settles a business block as failed with its condition and owner', async () => {
        const blocked: Failure = {
            class: 'blocked',
            code: 'ERP_PERIOD_FROZEN',
            message: 'frozen',
            owner: 'finance',
            condition: 'period 2026-11 frozen',
        };
        const d = deps(new FakeErp([{ kind: 'failed', failure: blocked }]));
        expect(await processTransaction(receipt, { deliveryCount: 1 }, d)).toEqual({
            kind: 'failed',
            settle: true,
            failure: blocked,
        });
        expect((await d.store.get(receipt.transactionId))?.lastFailure).toEqual(blocked);
    });

    it('does not post again when the ERP already holds the posting (crash after the ERP accepted, before settling)', async () => {
        const erp = new FakeErp();
        const d = deps(
            erp,
            new FakeCrm([Object.assign(new Error('throttled'), { code: 'CRM_THROTTLED', retryAfterMs: 1000 })]),
        );
        // First delivery: posted, then the write-back is throttled → redelivery.
        expect(await processTransaction(receipt, { deliveryCount: 1 }, d)).toMatchObject({
            kind: 'retry',
            failure: { code: 'CRM_THROTTLED', retryAfterMs: 1000 },
        });
        // Second delivery: the store knows the posting; only the write-back is redone.
        expect(await processTransaction(receipt, { deliveryCount: 2 }, d)).toMatchObject({
            kind: 'confirmed',
            postingId: 'ERP-1',
        });
        expect(erp.posts).toHaveLength(1);
    });

    it('looks the key up in the ERP before a re-push when the store lost track of the posting', async () => {
        const erp = new FakeErp();
        const d = deps(erp);
        await processTransaction(receipt, { deliveryCount: 1 }, d);
        // Simulate a crash between the ERP's answer and the store update: state back to processing, attempts kept.
        await d.store.updateState(receipt.transactionId, { state: 'processing' }, 'x');
        expect(await processTransaction(receipt, { deliveryCount: 2 }, d)).toMatchObject({
            kind: 'confirmed',
            postingId: 'ERP-1',
            replayed: true,
        });
        expect(erp.posts).toHaveLength(1);
    });

    it('acknowledges a redelivered, already confirmed transaction without touching the ERP or the CRM', async () => {
        const erp = new FakeErp();
        const crm = new FakeCrm();
        const d = deps(erp, crm);
        await processTransaction(receipt, { deliveryCount: 1 }, d);
        expect(await processTransaction(receipt, { deliveryCount: 2 }, d)).toEqual({
            kind: 'alreadyConfirmed',
            settle: true,
            postingId: 'ERP-1',
        });
        expect([erp.posts.length, crm.writes.length]).toEqual([1, 1]);
    });

    it('routes a missing look-up to the integration team without calling the ERP', async () => {
        const erp = new FakeErp();
        const d = deps(erp);
        const reservation: TransactionEnvelope = {
            ...receipt,
            transactionId: 're_reservation-x',
            type: 'reservation',
            source: { ...receipt.source, entity: 're_reservation' },
            data: {
                reservationNumber: 'RSV-1',
                buyerId: 'b',
                unitCode: 'U-1',
                buildingId: 'bld-1',
                value: 1,
                bookingAmount: 1,
                currency: 'AED',
                reservedOn: '2026-11-10T00:00:00.000Z',
                status: 'active',
            },
        };
        const outcome = await processTransaction(reservation, { deliveryCount: 1 }, d);
        expect(outcome).toMatchObject({
            kind: 'failed',
            failure: { class: 'defect', code: 'LOOKUP_MISSING', owner: 'integration' },
        });
        expect(erp.posts).toHaveLength(0);
    });

    it('keeps a posting whose CRM confirmation is refused visible as posted with a defect', async () => {
        const refused = Object.assign(new Error('column not owned'), { code: 'CRM_FIELD_NOT_OWNED' });
        const d = deps(new FakeErp(), new FakeCrm([refused]));
        expect(await processTransaction(receipt, { deliveryCount: 1 }, d)).toMatchObject({
            kind: 'failed',
            failure: { class: 'defect', code: 'CRM_FIELD_NOT_OWNED' },
        });
        const record = await d.store.get(receipt.transactionId);
        expect([record?.state, record?.erpPostingId]).toEqual(['posted', 'ERP-1']);
    });
});
