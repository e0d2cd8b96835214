import { describe, expect, it } from 'vitest';
import type { FieldRule } from '../../src/mapping/entityMapSchema';
import { transformField } from '../../src/mapping/fieldTransform';

const rule = (transform: FieldRule['transform'], extra: Partial<FieldRule> = {}): FieldRule => ({
    source: 'x',
    target: 'y',
    transform,
    personal: false,
    required: true,
    conflict: 'crmWins',
    direction: 'crmToErp',
    ...extra,
});

describe('transformField', () => {
    it('rounds Money to the cent', () => {
        expect(transformField(rule('money'), 483000000.0049)).toEqual({ ok: true, value: 483000000 });
        expect(transformField(rule('money'), 1250.125)).toEqual({ ok: true, value: 1250.13 });
    });

    it('maps an option value through the choices table and names an unmapped value', () => {
        const r = rule('choice', { choices: { '100000001': 'cancelled' } });
        expect(transformField(r, 100000001)).toEqual({ ok: true, value: 'cancelled' });
        expect(transformField(r, 7)).toEqual({ ok: false, error: "option value 7 has no entry in the map's choices" });
    });

    it('takes the id of an EntityReference, lowercased', () => {
        const ref = { logicalName: 're_unit', id: 'AB5A3A51-0000-4000-8000-000000000001', name: null };
        expect(transformField(rule('lookupId'), ref)).toEqual({
            ok: true,
            value: 'ab5a3a51-0000-4000-8000-000000000001',
        });
        expect(transformField(rule('lookupId'), 'RSV-1')).toEqual({
            ok: false,
            error: 'expected an EntityReference, got text of 5 characters',
        });
    });

    it('normalises dates to ISO 8601 UTC and rejects other strings', () => {
        expect(transformField(rule('date'), '2026-11-02T08:30:00+04:00')).toEqual({
            ok: true,
            value: '2026-11-02T04:30:00.000Z',
        });
        expect(transformField(rule('date'), '02/11/2026')).toEqual({
            ok: false,
            error: 'expected a DateTime, got text of 10 characters',
        });
    });

    it('accepts numeric strings for numbers but not text', () => {
        expect(transformField(rule('number'), '70.5')).toEqual({ ok: true, value: 70.5 });
        expect(transformField(rule('number'), 'seventy')).toEqual({
            ok: false,
            error: 'expected a number, got text of 7 characters',
        });
    });

    it('names the kind of a refused value, never the value (it may be personal data)', () => {
        const reasons = [
            transformField(rule('number'), 'AB-123-4567'),
            transformField(rule('money'), '+971 50 123 4567'),
            transformField(rule('boolean'), 20251234),
            transformField(rule('choice', { choices: { '1': 'a' } }), 'buyer@example.com'),
        ].map((r) => (r.ok ? '' : r.error));
        expect(reasons).toEqual([
            'expected a number, got text of 11 characters',
            'expected a Money value, got text of 16 characters',
            'expected a boolean, got a number',
            'expected an OptionSetValue, got text of 17 characters',
        ]);
    });

    it('refuses an EntityReference where text is expected', () => {
        expect(transformField(rule('text'), { logicalName: 'contact', id: 'a', name: 'n' })).toEqual({
            ok: false,
            error: 'expected text, got an EntityReference to contact',
        });
    });
});
