import { describe, expect, it } from 'vitest';
import { idempotencyKey } from '../../src/core/idempotencyKey';
import { normalizedEvent } from '../support/events';

const base = normalizedEvent({
    entity: 're_receipt',
    recordId: 'aaaaaaaa-0000-4000-8000-000000000001',
    messageName: 'Update',
});

describe('idempotencyKey', () => {
    it('is the same for the same change (a webhook retried by Dataverse)', () => {
        expect(idempotencyKey({ ...base, rowVersion: '5948260' }, 't')).toBe(
            idempotencyKey({ ...base, rowVersion: '5948260' }, 't'),
        );
    });

    it('differs between two versions of one record', () => {
        expect(idempotencyKey({ ...base, rowVersion: '1' }, 't')).not.toBe(
            idempotencyKey({ ...base, rowVersion: '2' }, 't'),
        );
    });

    it('falls back to the change time when neither version nor operation id is sent', () => {
        expect(idempotencyKey(base, '2026-11-02T00:00:00.000Z')).not.toBe(
            idempotencyKey(base, '2026-11-02T00:00:01.000Z'),
        );
    });

    it('starts with the table and record id and fits a Service Bus message id', () => {
        const key = idempotencyKey({ ...base, operationId: 'f0f0f0f0-0000-4000-8000-000000000009' }, 't');
        expect(key.startsWith('re_receipt-aaaaaaaa-0000-4000-8000-000000000001-')).toBe(true);
        expect(key.length).toBeLessThanOrEqual(128);
    });
});
