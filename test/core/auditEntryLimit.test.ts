import { describe, expect, it } from 'vitest';
import { fitAuditEntry, maxAuditJsonChars } from '../../src/core/auditEntryLimit';
import type { AuditEntry } from '../../src/domain/transactionRecord';

const base: AuditEntry = {
    at: '2026-11-02T09:00:00.000Z',
    transactionId: 're_receipt-1',
    sourceRecordId: 'rec-1',
    action: 'post',
    outcome: 'failed',
    entityMapVersion: '1.0.0',
    attempt: 2,
    correlationId: 'corr-1',
};
const failure = {
    class: 'transient' as const,
    code: 'HTTP_502',
    message: 'bad gateway',
    owner: 'integration' as const,
};

describe('fitAuditEntry', () => {
    it('returns an entry that fits unchanged, without markers', () => {
        const entry = { ...base, payload: { amount: 5 } };
        expect(fitAuditEntry(entry)).toBe(entry);
    });

    it('is 30 000 JSON characters at most by default, safely under the 32 K characters of one property', () => {
        expect(maxAuditJsonChars).toBe(30_000);
    });

    it('drops payload fields largest first until the entry fits, keeping the small ones', () => {
        const entry = { ...base, payload: { ref: 'R-1', big: 'b'.repeat(300), mid: 'm'.repeat(200), n: 1 } };
        const limit = JSON.stringify(entry).length - 250;
        expect(fitAuditEntry(entry, limit)).toEqual({
            ...base,
            payload: { ref: 'R-1', mid: 'm'.repeat(200), n: 1 },
            payloadTruncated: true,
        });
    });

    it('breaks ties between equally large fields by name, so every store cuts the same field', () => {
        const entry = { ...base, payload: { b: 'x'.repeat(100), a: 'y'.repeat(100) } };
        const fitted = fitAuditEntry(entry, JSON.stringify(entry).length - 50);
        expect(fitted.payload).toEqual({ b: 'x'.repeat(100) });
    });

    it('does not change the entry it was given', () => {
        const entry = { ...base, payload: { big: 'b'.repeat(300) } };
        fitAuditEntry(entry, 100);
        expect(entry.payload).toEqual({ big: 'b'.repeat(300) });
    });

    it('shortens the failure message to fit exactly when the payload alone cannot make room', () => {
        const entry = {
            ...base,
            payload: { big: 'b'.repeat(100) },
            failure: { ...failure, message: 'e'.repeat(1_000) },
        };
        const fitted = fitAuditEntry(entry, 700);
        expect(JSON.stringify(fitted).length).toBe(700);
        expect(fitted).toMatchObject({ payload: {}, payloadTruncated: true, failureMessageTruncated: true });
        expect(fitted.failure?.message).toMatch(/^e+…$/);
        expect(fitted.failure?.code).toBe('HTTP_502');
    });

    it('never leaves half of a surrogate pair at the end of a shortened message', () => {
        const entry = { ...base, failure: { ...failure, message: '🏢'.repeat(500) } };
        for (const limit of [600, 601, 602, 603]) {
            const message = fitAuditEntry(entry, limit).failure?.message ?? '';
            expect(message.slice(0, -1)).toBe('🏢'.repeat((message.length - 1) / 2));
            expect(JSON.stringify(fitAuditEntry(entry, limit)).length).toBeLessThanOrEqual(limit);
        }
    });
});
