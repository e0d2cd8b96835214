import { describe, expect, it } from 'vitest';
import { cleanValue, normaliseCode, normalisePhone } from '../../src/migration/legacyValue';
import type { FieldRule } from '../../src/migration/migrationMapSchema';

const rule = (transform: FieldRule['transform'], extra: Partial<FieldRule> = {}): FieldRule => ({
    source: 'x',
    target: 'y',
    transform,
    required: true,
    conflict: 'firstNonEmpty',
    load: true,
    ...extra,
});
const clean = (r: FieldRule, raw: string, row: Record<string, string> = {}) => cleanValue(r, raw, row, '971');

describe('legacy values', () => {
    it('writes codes one way: upper case, spaces and underscores as single dashes', () => {
        expect(normaliseCode(' marina t1  1203 ')).toBe('MARINA-T1-1203');
        expect(normaliseCode('Marina_T1--1203')).toBe('MARINA-T1-1203');
    });

    it('puts the building in front of a unit number that lost its project prefix', () => {
        const unit = rule('unitCode', { buildingFrom: 'building_code' });
        expect(clean(unit, 'T1-1203', { building_code: 'MARINA-T1' })).toEqual({ ok: true, value: 'MARINA-T1-1203' });
        expect(clean(unit, 'MARINA-T1-1203', { building_code: 'MARINA-T1' })).toEqual({
            ok: true,
            value: 'MARINA-T1-1203',
        });
    });

    it('normalises phones, e-mails and national ids so duplicates compare equal', () => {
        expect(normalisePhone('+971 50 123 4567', '971')).toBe('971501234567');
        expect(normalisePhone('0501234567', '971')).toBe('971501234567');
        expect(normalisePhone('00971 50 123 4567', '971')).toBe('971501234567');
        expect(clean(rule('email'), ' Aisha.Khan@Example.COM ')).toEqual({ ok: true, value: 'aisha.khan@example.com' });
        expect(clean(rule('nationalId'), '784-1990-1234567-1')).toEqual({ ok: true, value: '784199012345671' });
    });

    it('reads legacy dates and refuses impossible ones instead of shifting them', () => {
        expect(clean(rule('date'), '05/03/2024')).toEqual({ ok: true, value: '2024-03-05T00:00:00.000Z' });
        expect(clean(rule('date'), '31/02/2024').ok).toBe(false);
        expect(clean(rule('date'), 'next week').ok).toBe(false);
    });

    it('maps choice labels case-insensitively and says which label is unknown', () => {
        const status = rule('choice', { choices: { active: 100000000 } });
        expect(clean(status, 'ACTIVE')).toEqual({ ok: true, value: 100000000 });
        expect(clean(status, 'On hold')).toEqual({ ok: false, error: "'On hold' is not one of the mapped labels" });
    });

    it('rounds money to the cent, refuses text, and gives null for an empty cell', () => {
        expect(clean(rule('money'), '1,250,000.456')).toEqual({ ok: true, value: 1250000.46 });
        expect(clean(rule('money'), 'n/a').ok).toBe(false);
        expect(clean(rule('money'), '  ')).toEqual({ ok: true, value: null });
    });
});
