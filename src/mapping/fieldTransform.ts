import { isEntityRef, type NormalizedValue } from '../dataverse/normalizedEvent';
import type { Result } from '../domain/result';
import { err, ok } from '../domain/result';
import type { FieldValue } from '../domain/transaction';
import type { FieldRule } from './entityMapSchema';

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isoPattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Applies one field rule's transformation to a normalised Dataverse value.
 * The error is the reason only; the caller adds where (table and column). It names the kind of value that came, never
 * the value: reasons travel to review items, alerts and the CRM row's sync error, and a value can be personal data.
 */
export function transformField(rule: FieldRule, value: NormalizedValue): Result<FieldValue, string> {
    switch (rule.transform) {
        case 'text':
            if (typeof value === 'string') return ok(value.trim());
            if (typeof value === 'number') return ok(String(value));
            return err(`expected text, got ${describe(value)}`);
        case 'number':
            if (typeof value === 'number' && Number.isFinite(value)) return ok(value);
            if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
                return ok(Number(value));
            return err(`expected a number, got ${describe(value)}`);
        case 'money':
            // Money arrives with up to 4 decimal places; ERP amounts are kept to the cent.
            if (typeof value === 'number' && Number.isFinite(value)) return ok(Math.round(value * 100) / 100);
            return err(`expected a Money value, got ${describe(value)}`);
        case 'date':
            if (typeof value === 'string' && isoPattern.test(value) && !Number.isNaN(Date.parse(value))) {
                return ok(new Date(value).toISOString());
            }
            return err(`expected a DateTime, got ${describe(value)}`);
        case 'choice': {
            if (typeof value !== 'number') return err(`expected an OptionSetValue, got ${describe(value)}`);
            const mapped = rule.choices?.[String(value)];
            return mapped === undefined ? err(`option value ${value} has no entry in the map's choices`) : ok(mapped);
        }
        case 'lookupId':
            if (isEntityRef(value)) return ok(value.id.toLowerCase());
            if (typeof value === 'string' && guidPattern.test(value)) return ok(value.toLowerCase());
            return err(`expected an EntityReference, got ${describe(value)}`);
        case 'boolean':
            if (typeof value === 'boolean') return ok(value);
            return err(`expected a boolean, got ${describe(value)}`);
    }
}

function describe(value: NormalizedValue): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'a list';
    if (isEntityRef(value)) return `an EntityReference to ${value.logicalName}`;
    if (typeof value === 'object') return 'an object';
    if (typeof value === 'string') return value.trim() === '' ? 'blank text' : `text of ${value.length} characters`;
    if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : 'a non-finite number';
    return 'a true/false value';
}
