import { describe, expect, it } from 'vitest';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import type { AuditEntry } from '../../src/domain/transactionRecord';
import { TransactionNotFoundError, type TransactionStore } from '../../src/ports/transactionStore';

let counter = 0;
export function envelope(overrides: Partial<TransactionEnvelope> = {}): TransactionEnvelope {
    counter++;
    return {
        transactionId: `re_receipt-${counter}-${Math.random().toString(36).slice(2)}`,
        type: 'receipt',
        action: 'upsert',
        sessionId: 'unit-1',
        source: {
            entity: 're_receipt',
            recordId: `rec-${Math.random().toString(36).slice(2)}`,
            message: 'Create',
            changedAt: '2026-11-02T00:00:00.000Z',
        },
        correlationId: 'corr-1',
        entityMapVersion: '1.0.0',
        acceptedAt: `2026-11-02T00:00:${String(counter % 60).padStart(2, '0')}.000Z`,
        data: { receiptNumber: 'RCT-1', amount: 125000 },
        ...overrides,
    };
}

const audit = (transactionId: string, action: string, at = '2026-11-02T00:00:00.000Z'): AuditEntry => ({
    at,
    transactionId,
    sourceRecordId: 'rec',
    action,
    outcome: 'ok',
    entityMapVersion: '1.0.0',
    attempt: 1,
    correlationId: 'corr-1',
});

/** Behaviours every TransactionStore must show (Table Storage on Azurite and the in-memory twin). */
export function runTransactionStoreContract(name: string, factory: () => Promise<TransactionStore>): void {
    describe(`TransactionStore contract: ${name}`, () => {
        it('records an accepted transaction once; a second acceptance keeps the first', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, '2026-11-02T00:00:00.000Z');
            await store.updateState(
                e.transactionId,
                { state: 'confirmed', erpPostingId: 'ERP-1' },
                '2026-11-02T00:00:05.000Z',
            );
            await store.recordAccepted({ ...e, data: { changed: true } }, '2026-11-02T00:01:00.000Z');
            const record = await store.get(e.transactionId);
            expect(record).toEqual({
                envelope: e,
                state: 'confirmed',
                attempts: 0,
                erpPostingId: 'ERP-1',
                updatedAt: '2026-11-02T00:00:05.000Z',
            });
        });

        it('refuses to update an unknown transaction', async () => {
            const store = await factory();
            await expect(store.updateState('nope', { state: 'review' }, 'x')).rejects.toBeInstanceOf(
                TransactionNotFoundError,
            );
        });

        it('sets and clears the last failure', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, 'a');
            const failure = {
                class: 'blocked' as const,
                code: 'ERP_PERIOD_FROZEN',
                message: 'frozen',
                owner: 'finance' as const,
                condition: 'period 2026-11 frozen',
            };
            expect(
                (await store.updateState(e.transactionId, { state: 'review', lastFailure: failure, attempts: 2 }, 'b'))
                    .lastFailure,
            ).toEqual(failure);
            const cleared = await store.updateState(e.transactionId, { state: 'queued', lastFailure: null }, 'c');
            expect(cleared.lastFailure).toBeUndefined();
            expect(cleared.attempts).toBe(2);
        });

        it('lists the transactions of one CRM record in acceptance order', async () => {
            const store = await factory();
            const recordId = `rec-${Math.random().toString(36).slice(2)}`;
            const first = envelope({
                acceptedAt: '2026-11-02T10:00:00.000Z',
                source: { entity: 're_receipt', recordId, message: 'Create', changedAt: 'x' },
            });
            const second = envelope({
                acceptedAt: '2026-11-02T11:00:00.000Z',
                source: { entity: 're_receipt', recordId, message: 'Update', changedAt: 'y' },
            });
            await store.recordAccepted(first, 'a');
            await store.recordAccepted(second, 'b');
            await store.recordAccepted(envelope(), 'c');
            expect((await store.listBySourceRecord(recordId)).map((r) => r.envelope.transactionId)).toEqual([
                first.transactionId,
                second.transactionId,
            ]);
        });

        it('lists transactions by state', async () => {
            const store = await factory();
            const a = envelope();
            await store.recordAccepted(a, 'a');
            await store.updateState(a.transactionId, { state: 'deadLettered' }, 'b');
            const listed = await store.listByState('deadLettered', 100);
            expect(listed.map((r) => r.envelope.transactionId)).toContain(a.transactionId);
            expect(listed.every((r) => r.state === 'deadLettered')).toBe(true);
        });

        it('keeps the audit trail in write order, even within one millisecond', async () => {
            const store = await factory();
            const e = envelope();
            const actions = Array.from({ length: 25 }, (_, i) => `step-${i}`);
            for (const action of actions) await store.appendAudit(audit(e.transactionId, action));
            expect((await store.listAudit(e.transactionId)).map((a) => a.action)).toEqual(actions);
        });

        it('drops an oversized payload from an audit entry and marks it', async () => {
            const store = await factory();
            const e = envelope();
            await store.appendAudit({ ...audit(e.transactionId, 'post'), payload: { blob: 'x'.repeat(40_000) } });
            const [entry] = await store.listAudit(e.transactionId);
            expect(entry?.payload).toBeUndefined();
            expect((entry as AuditEntry & { payloadTruncated?: boolean }).payloadTruncated).toBe(true);
        });

        it('loses no update when two writers race', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, 'a');
            await Promise.all([
                store.updateState(e.transactionId, { state: 'posted', erpPostingId: 'ERP-9' }, 'b'),
                store.updateState(e.transactionId, { state: 'posted', attempts: 3 }, 'c'),
            ]);
            const record = await store.get(e.transactionId);
            expect([record?.erpPostingId, record?.attempts]).toEqual(['ERP-9', 3]);
        });
    });
}
