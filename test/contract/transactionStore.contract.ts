import { describe, expect, it } from 'vitest';
import { maxAuditJsonChars } from '../../src/core/auditEntryLimit';
import type { Failure } from '../../src/domain/failure';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import type { AuditEntry } from '../../src/domain/transactionRecord';
import {
    isStateConflictError,
    TransactionNotFoundError,
    type TransactionStore,
} from '../../src/ports/transactionStore';
import { anyState } from '../support/anyState';

let counter = 0;

/** A receipt envelope; every call gets a new transaction id and, unless given, a new CRM record id. */
export function envelope(overrides: Partial<TransactionEnvelope> = {}): TransactionEnvelope {
    counter++;
    return {
        transactionId: `re_receipt-${counter}`,
        type: 'receipt',
        action: 'upsert',
        sessionId: 'unit-1',
        source: {
            entity: 're_receipt',
            recordId: `rec-${counter}`,
            message: 'Create',
            changedAt: '2026-11-02T00:00:00.000Z',
        },
        correlationId: 'corr-1',
        entityMapVersion: '1.0.0',
        acceptedAt: '2026-11-02T09:00:00.000Z',
        data: { receiptNumber: 'RCT-1', amount: 125000, paidBy: null, lines: [{ code: 'A', amount: 1.5 }] },
        ...overrides,
    };
}

export const frozen: Failure = {
    class: 'blocked',
    code: 'ERP_PERIOD_FROZEN',
    message: 'period 2026-11 is frozen',
    owner: 'finance',
    condition: 'period 2026-11 frozen',
    details: { period: '2026-11' },
};

export const auditEntry = (transactionId: string, action: string, at = '2026-11-02T09:00:00.000Z'): AuditEntry => ({
    at,
    transactionId,
    sourceRecordId: 'rec',
    action,
    outcome: 'ok',
    entityMapVersion: '1.0.0',
    attempt: 1,
    correlationId: 'corr-1',
});

const ofRecord = (recordId: string, transactionId: string, acceptedAt: string) =>
    envelope({ transactionId, acceptedAt, source: { ...envelope().source, recordId } });

/**
 * Behaviours every TransactionStore must show (Table Storage on Azurite and the in-memory twin), exactly. `peer`
 * gives another process's view of the same store (a second instance over the same tables).
 */
export function runTransactionStoreContract(
    name: string,
    factory: () => Promise<TransactionStore>,
    peer: (store: TransactionStore) => Promise<TransactionStore> = async (store) => store,
): void {
    describe(`TransactionStore contract: ${name}`, () => {
        it('records an accepted transaction as queued with no attempts', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, '2026-11-02T09:00:01.000Z');
            expect(await store.get(e.transactionId)).toEqual({
                envelope: e,
                state: 'queued',
                attempts: 0,
                updatedAt: '2026-11-02T09:00:01.000Z',
            });
        });

        it('answers undefined for an unknown transaction', async () => {
            const store = await factory();
            expect(await store.get('re_receipt-unknown')).toBeUndefined();
        });

        it('keeps the first acceptance when the same transaction is accepted again', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, '2026-11-02T09:00:01.000Z');
            await store.updateState(
                e.transactionId,
                { from: anyState, state: 'posted', erpPostingId: 'ERP-1' },
                '2026-11-02T09:00:05.000Z',
            );
            await store.recordAccepted({ ...e, data: { changed: true } }, '2026-11-02T09:01:00.000Z');
            expect(await store.get(e.transactionId)).toEqual({
                envelope: e,
                state: 'posted',
                attempts: 0,
                erpPostingId: 'ERP-1',
                revision: 1,
                updatedAt: '2026-11-02T09:00:05.000Z',
            });
        });

        it('refuses to update an unknown transaction and creates nothing', async () => {
            const store = await factory();
            const error = await store
                .updateState('re_receipt-nope', { from: anyState, state: 'review' }, 'x')
                .catch((e: unknown) => e);
            expect(error).toBeInstanceOf(TransactionNotFoundError);
            expect(error).toMatchObject({
                code: 'TRANSACTION_NOT_FOUND',
                message: 'No transaction with id re_receipt-nope',
            });
            expect(await store.get('re_receipt-nope')).toBeUndefined();
        });

        it('returns the updated record and keeps the fields a patch leaves out', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, 'a');
            await store.updateState(
                e.transactionId,
                { from: anyState, state: 'posted', erpPostingId: 'ERP-7', attempts: 2 },
                'b',
            );
            const confirmed = await store.updateState(e.transactionId, { from: anyState, state: 'confirmed' }, 'c');
            const expected = {
                envelope: e,
                state: 'confirmed',
                attempts: 2,
                erpPostingId: 'ERP-7',
                revision: 2,
                updatedAt: 'c',
            };
            expect(confirmed).toEqual(expected);
            expect(await store.get(e.transactionId)).toEqual(expected);
        });

        it('sets the last failure, keeps it when the patch says nothing, and clears it on null', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, 'a');
            await store.updateState(
                e.transactionId,
                { from: anyState, state: 'parked', lastFailure: frozen, attempts: 1 },
                'b',
            );
            expect(
                (await store.updateState(e.transactionId, { from: anyState, state: 'queued' }, 'c')).lastFailure,
            ).toEqual(frozen);
            const cleared = await store.updateState(
                e.transactionId,
                { from: anyState, state: 'processing', lastFailure: null },
                'd',
            );
            expect(cleared).toEqual({ envelope: e, state: 'processing', attempts: 1, revision: 3, updatedAt: 'd' });
            expect(await store.get(e.transactionId)).toEqual(cleared);
        });

        it('replaces the envelope with a re-mapped one of the same transaction, and refuses another id', async () => {
            const store = await factory();
            const e = envelope({
                data: { receiptNumber: 'RCT-9' },
                invalid: { code: 'FIELD_INVALID', field: 're_receipt.re_amount', reason: 'expected a Money value' },
            });
            await store.recordAccepted(e, 'a');
            const { invalid: _fixed, ...remapped } = {
                ...e,
                data: { receiptNumber: 'RCT-9', amount: 125000 },
                source: { ...e.source, version: '2001' },
            };
            const updated = await store.updateState(
                e.transactionId,
                { from: ['queued'], state: 'queued', envelope: remapped },
                'b',
            );
            expect(updated.envelope).toEqual(remapped);
            expect(await store.get(e.transactionId)).toEqual({
                envelope: remapped,
                state: 'queued',
                attempts: 0,
                revision: 1,
                updatedAt: 'b',
            });
            const other = { ...remapped, transactionId: 're_receipt-other' };
            const refused = await store
                .updateState(e.transactionId, { from: ['queued'], state: 'queued', envelope: other }, 'c')
                .catch((err: unknown) => err);
            expect(isStateConflictError(refused)).toBe(true);
            expect((await store.get(e.transactionId))?.envelope).toEqual(remapped);
        });

        it('hands out copies: changing a returned record changes nothing stored', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, 'a');
            const copy = await store.get(e.transactionId);
            if (!copy) throw new Error('recorded transaction missing');
            copy.envelope.data.amount = 1;
            copy.state = 'discarded';
            expect(await store.get(e.transactionId)).toEqual({
                envelope: e,
                state: 'queued',
                attempts: 0,
                updatedAt: 'a',
            });
        });

        it('round-trips an envelope larger than one Table Storage property holds', async () => {
            const store = await factory();
            // Large text kept ASCII: Azurite 3.35 garbles a multi-byte character that straddles two chunks of a
            // request body (Azure/Azurite#2670); Azure does not. Splitting surrogate pairs: chunkedColumn.test.ts.
            const e = envelope({ data: { name: 'Ünïcode 🏢 برج', notes: 'n'.repeat(70_000), amount: 5 } });
            await store.recordAccepted(e, 'a');
            await store.updateState(
                e.transactionId,
                { from: anyState, state: 'review', lastFailure: { ...frozen, message: 'm'.repeat(40_000) } },
                'b',
            );
            expect(await store.get(e.transactionId)).toEqual({
                envelope: e,
                state: 'review',
                attempts: 0,
                lastFailure: { ...frozen, message: 'm'.repeat(40_000) },
                revision: 1,
                updatedAt: 'b',
            });
        });

        it('lists the transactions of one CRM record oldest accepted first, ties by id', async () => {
            const store = await factory();
            // Accepted out of order on purpose: the listing follows acceptedAt, not the order of the calls.
            await store.recordAccepted(ofRecord('rec-A', 're_receipt-c', '2026-11-02T11:00:00.000Z'), 'x');
            await store.recordAccepted(ofRecord('rec-A', 're_receipt-b', '2026-11-02T10:00:00.000Z'), 'x');
            await store.recordAccepted(ofRecord('rec-A', 're_receipt-a', '2026-11-02T11:00:00.000Z'), 'x');
            await store.recordAccepted(ofRecord('rec-B', 're_receipt-d', '2026-11-02T09:00:00.000Z'), 'x');
            const listed = await store.listBySourceRecord('rec-A');
            expect(listed.map((r) => r.envelope.transactionId)).toEqual([
                're_receipt-b',
                're_receipt-a',
                're_receipt-c',
            ]);
            expect(listed[0]).toEqual({
                envelope: ofRecord('rec-A', 're_receipt-b', '2026-11-02T10:00:00.000Z'),
                state: 'queued',
                attempts: 0,
                updatedAt: 'x',
            });
            expect(await store.listBySourceRecord('rec-unknown')).toEqual([]);
        });

        it('lists the transactions in one state oldest accepted first, at most max', async () => {
            const store = await factory();
            const ids = ['re_receipt-s3', 're_receipt-s1', 're_receipt-s2', 're_receipt-other'];
            const times = ['03', '01', '02', '00'];
            for (const [i, id] of ids.entries()) {
                await store.recordAccepted(ofRecord('rec-S', id, `2026-11-02T10:00:${times[i]}.000Z`), 'a');
            }
            for (const id of ids.slice(0, 3))
                await store.updateState(id, { from: anyState, state: 'deadLettered' }, 'b');
            const ids3 = (await store.listByState('deadLettered', 10)).map((r) => r.envelope.transactionId);
            expect(ids3).toEqual(['re_receipt-s1', 're_receipt-s2', 're_receipt-s3']);
            const first2 = await store.listByState('deadLettered', 2);
            expect(first2.map((r) => [r.envelope.transactionId, r.state])).toEqual([
                ['re_receipt-s1', 'deadLettered'],
                ['re_receipt-s2', 'deadLettered'],
            ]);
            expect(await store.listByState('deadLettered', 0)).toEqual([]);
            expect((await store.listByState('queued', 10)).map((r) => r.envelope.transactionId)).toEqual([
                're_receipt-other',
            ]);
            expect(await store.listByState('review', 10)).toEqual([]);
        });

        it('lists the transactions updated at or after a time, oldest accepted first, at most max', async () => {
            const store = await factory();
            // Other tests may share the table (Azurite): only this test's own records are compared.
            const older = ofRecord('rec-since', 'since-older', '2031-05-01T08:00:00.000Z');
            const first = ofRecord('rec-since', 'since-first', '2031-05-01T09:00:00.000Z');
            const second = ofRecord('rec-since', 'since-second', '2031-05-01T09:30:00.000Z');
            for (const e of [older, second, first]) await store.recordAccepted(e, e.acceptedAt);
            await store.updateState(
                second.transactionId,
                { from: anyState, state: 'confirmed' },
                '2031-05-01T12:00:00.000Z',
            );
            await store.updateState(
                first.transactionId,
                { from: anyState, state: 'parked' },
                '2031-05-01T11:00:00.000Z',
            );
            const mine = new Set([older, first, second].map((e) => e.transactionId));
            const listed = (await store.listUpdatedSince('2031-05-01T11:00:00.000Z', 1000)).filter((r) =>
                mine.has(r.envelope.transactionId),
            );
            expect(listed.map((r) => [r.envelope.transactionId, r.state, r.updatedAt])).toEqual([
                ['since-first', 'parked', '2031-05-01T11:00:00.000Z'],
                ['since-second', 'confirmed', '2031-05-01T12:00:00.000Z'],
            ]);
            expect(await store.listUpdatedSince('2031-05-01T11:00:00.000Z', 0)).toEqual([]);
            expect(await store.listUpdatedSince('2031-05-01T11:00:00.000Z', 1)).toHaveLength(1);
        });

        it('keeps each audit trail in write order, with many entries in the same millisecond', async () => {
            const store = await factory();
            const e = envelope();
            const other = envelope();
            // Same `at` for all, and some going back in time: the order is the order of writing.
            const written = Array.from({ length: 40 }, (_, i) =>
                auditEntry(e.transactionId, `step-${i}`, i % 7 === 3 ? '2026-11-01T00:00:00.000Z' : undefined),
            );
            for (const [i, entry] of written.entries()) {
                await store.appendAudit(entry);
                if (i % 10 === 0) await store.appendAudit(auditEntry(other.transactionId, `other-${i}`));
            }
            expect(await store.listAudit(e.transactionId)).toEqual(written);
            expect((await store.listAudit(other.transactionId)).map((a) => a.action)).toEqual([
                'other-0',
                'other-10',
                'other-20',
                'other-30',
            ]);
            expect(await store.listAudit('re_receipt-no-trail')).toEqual([]);
        });

        it('keeps every field of an audit entry that fits', async () => {
            const store = await factory();
            const entry: AuditEntry = {
                ...auditEntry('re_receipt-full', 'post'),
                targetRecordId: 'ERP-1',
                outcome: 'failed',
                erpMapVersion: '2.1.0',
                payload: { amount: 125000, paid: true, lines: [{ code: 'A' }], memo: null },
                failure: frozen,
                attempt: 3,
            };
            await store.appendAudit(entry);
            expect(await store.listAudit('re_receipt-full')).toEqual([entry]);
        });

        it('cuts an oversized audit payload, largest fields first, and marks it', async () => {
            const store = await factory();
            const entry: AuditEntry = {
                ...auditEntry('re_receipt-big', 'post'),
                payload: { receiptNumber: 'RCT-9', scan: 'x'.repeat(40_000), notes: 'y'.repeat(20_000), amount: 7 },
            };
            await store.appendAudit(entry);
            expect(await store.listAudit('re_receipt-big')).toEqual([
                {
                    ...auditEntry('re_receipt-big', 'post'),
                    payload: { receiptNumber: 'RCT-9', notes: 'y'.repeat(20_000), amount: 7 },
                    payloadTruncated: true,
                },
            ]);
        });

        it('shortens an oversized failure message in the audit trail and marks it', async () => {
            const store = await factory();
            const message = 'e'.repeat(50_000);
            await store.appendAudit({ ...auditEntry('re_receipt-err', 'post'), failure: { ...frozen, message } });
            const [stored] = await store.listAudit('re_receipt-err');
            const kept = stored?.failure?.message ?? '';
            expect(JSON.stringify(stored).length).toBe(maxAuditJsonChars);
            expect(kept).toBe(`${'e'.repeat(kept.length - 1)}…`);
            expect(stored).toMatchObject({ failureMessageTruncated: true, failure: { code: 'ERP_PERIOD_FROZEN' } });
        });

        it('changes state only from the states a patch names; otherwise refuses and changes nothing', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, 'a');
            const error = await store
                .updateState(e.transactionId, { from: ['held', 'retrying'], state: 'processing', attempts: 1 }, 'b')
                .catch((x: unknown) => x);
            expect(isStateConflictError(error)).toBe(true);
            expect(error).toMatchObject({
                code: 'STATE_CONFLICT',
                message: `Transaction ${e.transactionId} not changed: it is queued, not held or retrying, so it cannot become processing`,
            });
            expect(await store.get(e.transactionId)).toEqual({
                envelope: e,
                state: 'queued',
                attempts: 0,
                updatedAt: 'a',
            });
            await store.updateState(e.transactionId, { from: ['held', 'queued'], state: 'processing' }, 'c');
            expect((await store.get(e.transactionId))?.state).toBe('processing');
        });

        it('keeps the ERP call claim and the look-up mark, and refuses a write under a claim another holds', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, 'a');
            const claim = { owner: 'inv-a', until: '2026-11-02T09:00:20.000Z' };
            await store.updateState(
                e.transactionId,
                { from: ['queued'], state: 'processing', claim, lookUpBeforePush: true, attempts: 1 },
                'b',
            );
            expect(await store.get(e.transactionId)).toMatchObject({ claim, lookUpBeforePush: true });
            const late = await store
                .updateState(e.transactionId, { from: ['processing'], claimedBy: 'inv-b', state: 'posted' }, 'c')
                .catch((x: unknown) => x);
            expect(late).toMatchObject({
                code: 'STATE_CONFLICT',
                message: `Transaction ${e.transactionId} not changed: its ERP call is no longer claimed by inv-b`,
            });
            const posted = await store.updateState(
                e.transactionId,
                {
                    from: ['processing'],
                    claimedBy: 'inv-a',
                    state: 'posted',
                    claim: null,
                    lookUpBeforePush: false,
                    erpPostingId: 'ERP-3',
                },
                'd',
            );
            expect(posted).toEqual({
                envelope: e,
                state: 'posted',
                attempts: 1,
                erpPostingId: 'ERP-3',
                revision: 2,
                updatedAt: 'd',
            });
            expect(await store.get(e.transactionId)).toEqual(posted);
            const forgotten = await store.updateState(
                e.transactionId,
                { from: ['posted'], state: 'queued', erpPostingId: null },
                'e',
            );
            expect(forgotten.erpPostingId).toBeUndefined();
        });

        it('lets exactly one of two processes racing from one state win, whatever either remembered', async () => {
            const store = await factory();
            const other = await peer(store);
            for (let round = 0; round < 5; round++) {
                const e = envelope();
                await store.recordAccepted(e, 'a');
                // Both have read it (a store may remember what it read) before either writes.
                await store.get(e.transactionId);
                await other.get(e.transactionId);
                const claim = (owner: string) => ({ owner, until: 'z' });
                const results = await Promise.allSettled([
                    store.updateState(
                        e.transactionId,
                        { from: ['queued'], state: 'processing', claim: claim('a') },
                        'b',
                    ),
                    other.updateState(
                        e.transactionId,
                        { from: ['queued'], state: 'processing', claim: claim('b') },
                        'b',
                    ),
                ]);
                const won = results.filter((r) => r.status === 'fulfilled');
                const lost = results.filter((r) => r.status === 'rejected');
                expect([won.length, lost.length]).toEqual([1, 1]);
                expect(isStateConflictError((lost[0] as PromiseRejectedResult).reason)).toBe(true);
                const winner = (won[0] as PromiseFulfilledResult<{ claim?: { owner: string } }>).value.claim?.owner;
                expect((await store.get(e.transactionId))?.claim?.owner).toBe(winner);
                expect((await other.get(e.transactionId))?.claim?.owner).toBe(winner);
            }
        });

        it('judges a patch by what is stored, not by an older version it remembers', async () => {
            const store = await factory();
            const other = await peer(store);
            const e = envelope();
            await store.recordAccepted(e, 'a');
            await store.get(e.transactionId);
            await other.updateState(e.transactionId, { from: ['queued'], state: 'held' }, 'b');
            // `store` last saw it queued: a change from queued is refused, one from held applies.
            await expect(
                store.updateState(e.transactionId, { from: ['queued'], state: 'processing' }, 'c'),
            ).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
            expect((await store.updateState(e.transactionId, { from: ['held'], state: 'processing' }, 'd')).state).toBe(
                'processing',
            );
        });

        it('purges ended transactions last updated before the cut-off, with their trail and index, and nothing else', async () => {
            const store = await factory();
            const old = envelope();
            const recent = envelope();
            const waiting = envelope();
            for (const e of [old, recent, waiting]) await store.recordAccepted(e, '2025-01-01T00:00:00.000Z');
            await store.updateState(
                old.transactionId,
                { from: ['queued'], state: 'confirmed' },
                '2025-01-02T00:00:00.000Z',
            );
            await store.updateState(
                recent.transactionId,
                { from: ['queued'], state: 'discarded' },
                '2026-11-01T00:00:00.000Z',
            );
            await store.updateState(
                waiting.transactionId,
                { from: ['queued'], state: 'review' },
                '2025-01-02T00:00:00.000Z',
            );
            for (const e of [old, recent, waiting]) {
                await store.appendAudit(auditEntry(e.transactionId, 'post'));
                await store.appendAudit(auditEntry(e.transactionId, 'writeBack'));
            }
            expect(await store.purgeEnded('2026-01-01T00:00:00.000Z', 10)).toEqual({ transactions: 1, auditRows: 2 });
            expect(await store.get(old.transactionId)).toBeUndefined();
            expect(await store.listAudit(old.transactionId)).toEqual([]);
            expect(await store.listBySourceRecord(old.source.recordId)).toEqual([]);
            // Recent, or not ended (a person must still act on it): kept, with their trail.
            expect((await store.get(recent.transactionId))?.state).toBe('discarded');
            expect((await store.get(waiting.transactionId))?.state).toBe('review');
            expect(await store.listAudit(waiting.transactionId)).toHaveLength(2);
            expect(await store.purgeEnded('2026-01-01T00:00:00.000Z', 10)).toEqual({ transactions: 0, auditRows: 0 });
        });

        it('loses no update when writers race on one transaction', async () => {
            const store = await factory();
            const e = envelope();
            await store.recordAccepted(e, 'a');
            await Promise.all([
                store.updateState(e.transactionId, { from: anyState, state: 'posted', erpPostingId: 'ERP-9' }, 'b'),
                store.updateState(e.transactionId, { from: anyState, state: 'posted', attempts: 3 }, 'b'),
                store.updateState(e.transactionId, { from: anyState, state: 'posted', lastFailure: frozen }, 'b'),
            ]);
            expect(await store.get(e.transactionId)).toEqual({
                envelope: e,
                state: 'posted',
                attempts: 3,
                erpPostingId: 'ERP-9',
                lastFailure: frozen,
                revision: 3,
                updatedAt: 'b',
            });
        });
    });
}
