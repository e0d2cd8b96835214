import { err, ok, type Result } from '../domain/result';
import type { FieldRule } from './migrationMapSchema';

/** A cleansed value: text, number, an ISO date-time, or empty. References stay the referenced row's key (text). */
export type CleanValue = string | number | null;

const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const isoDate = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** `marina t1 1203`, ` Marina_T1-1203 ` → `MARINA-T1-1203`: upper case, runs of spaces/underscores as one dash. */
export function normaliseCode(raw: string): string {
    return raw
        .trim()
        .toUpperCase()
        .replace(/[\s_]+/g, '-')
        .replace(/-+/g, '-');
}

/** Digits only, international form: `050 123 4567` → `971501234567`, `+971 50…` and `00971 50…` alike. */
export function normalisePhone(raw: string, countryCode: string): string {
    const digits = raw.replace(/\D/g, '');
    if (raw.trim().startsWith('+')) return digits;
    if (digits.startsWith('00')) return digits.slice(2);
    if (digits.startsWith('0')) return `${countryCode}${digits.slice(1)}`;
    return digits;
}

/**
 * One legacy cell → its cleansed value, or the reason it cannot be used (the caller adds file, line and column).
 * An empty cell is `null`; whether that is allowed is the field's `required`, checked by the caller.
 */
export function cleanValue(
    rule: FieldRule,
    raw: string,
    row: Record<string, string>,
    countryCode: string,
): Result<CleanValue, string> {
    const text = raw.trim();
    if (text === '') return ok(null);
    switch (rule.transform) {
        case 'text':
            return ok(text.replace(/\s+/g, ' '));
        case 'code':
        case 'reference':
            return ok(normaliseCode(text));
        case 'unitCode': {
            const code = normaliseCode(text);
            const building = normaliseCode(row[rule.buildingFrom ?? ''] ?? '');
            if (building === '' || code.startsWith(`${building}-`)) return ok(code);
            // `T1-1203` in building `MARINA-T1`: the unit number is the last segment, the building gives the rest.
            return ok(`${building}-${code.slice(code.lastIndexOf('-') + 1)}`);
        }
        case 'email': {
            const email = text.toLowerCase();
            return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? ok(email) : err('not an e-mail address');
        }
        case 'phone': {
            const phone = normalisePhone(text, countryCode);
            return phone.length >= 7 && phone.length <= 15 ? ok(phone) : err('not a phone number');
        }
        case 'nationalId':
            return ok(text.replace(/[^0-9A-Za-z]/g, '').toUpperCase());
        case 'integer':
            return /^-?\d+$/.test(text) ? ok(Number(text)) : err(`'${text.slice(0, 20)}' is not a whole number`);
        case 'decimal':
        case 'money': {
            const n = Number(text.replace(/,/g, ''));
            if (!Number.isFinite(n)) return err(`'${text.slice(0, 20)}' is not a number`);
            return ok(rule.transform === 'money' ? Math.round(n * 100) / 100 : n);
        }
        case 'date': {
            const m = dmy.exec(text);
            const iso = m ? `${m[3]}-${m[2]?.padStart(2, '0')}-${m[1]?.padStart(2, '0')}` : text;
            if (!isoDate.test(iso)) return err(`'${text.slice(0, 20)}' is not a date (dd/mm/yyyy or ISO)`);
            const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
            // `31/02/2024` parses to March: compare back so an impossible date is refused, not shifted.
            if (Number.isNaN(d.getTime()) || (iso.length === 10 && d.toISOString().slice(0, 10) !== iso)) {
                return err(`'${text.slice(0, 20)}' is not a valid date`);
            }
            return ok(d.toISOString());
        }
        case 'choice': {
            const value = rule.choices?.[text.toLowerCase()];
            return value === undefined ? err(`'${text.slice(0, 30)}' is not one of the mapped labels`) : ok(value);
        }
    }
}
