import type { NormalizedAttributes, NormalizedEvent } from '../dataverse/normalizedEvent';
import type { Result } from '../domain/result';
import { err, ok } from '../domain/result';
import type { FieldValue } from '../domain/transaction';
import type { EntityRule } from './entityMapSchema';
import { transformField } from './fieldTransform';

export interface MappingError {
    code: 'FIELD_REQUIRED' | 'FIELD_INVALID';
    /** `<table>.<column>`, the place a CRM administrator looks. */
    field: string;
    /** Why, without the field: `is required but is empty`, `expected a Money value, got text of 9 characters`. */
    reason: string;
    /** The field and the reason in one sentence. */
    message: string;
}

/** What the map makes of a row: every field it could map, and every column it could not (in the map's order). */
export interface MappedFields {
    data: Record<string, FieldValue>;
    problems: MappingError[];
}

/** The record as fully as the event knows it: pre-image, then post-image, then the changed columns on top. */
export function mergedAttributes(event: NormalizedEvent): NormalizedAttributes {
    const merged: NormalizedAttributes = {};
    for (const image of Object.values(event.preImages)) Object.assign(merged, image);
    for (const image of Object.values(event.postImages)) Object.assign(merged, image);
    if (event.target) Object.assign(merged, event.target);
    return merged;
}

/**
 * Required source columns the attributes lack (an Update without images carries only what changed). A column the
 * event carried but could not be read (`unreadable`) is not missing: reading the row again would not explain it.
 */
export function missingRequiredColumns(
    rule: EntityRule,
    attributes: NormalizedAttributes,
    unreadable: Record<string, string> = {},
): string[] {
    return rule.fields
        .filter((f) => f.required && attributes[f.source] === undefined && !Object.hasOwn(unreadable, f.source))
        .map((f) => f.source);
}

/**
 * Maps attributes to domain fields through the rule, column by column: what maps goes into `data`, what does not is a
 * problem naming the column. A column in `unreadable` (the event carried a value that could not be read) is a problem
 * whatever else supplied it: the change it stands for is not known.
 */
export function mapFields(
    entity: string,
    rule: EntityRule,
    attributes: NormalizedAttributes,
    recordId: string,
    unreadable: Record<string, string> = {},
): MappedFields {
    const data: Record<string, FieldValue> = { [rule.recordIdTarget]: recordId };
    const problems: MappingError[] = [];
    const problem = (code: MappingError['code'], where: string, reason: string, separator = ': ') =>
        problems.push({ code, field: where, reason, message: `${where}${separator}${reason}` });
    for (const field of rule.fields) {
        const where = `${entity}.${field.source}`;
        const garbled = Object.hasOwn(unreadable, field.source) ? unreadable[field.source] : undefined;
        if (garbled !== undefined) {
            problem('FIELD_INVALID', where, garbled.replace(/^[^:]*: /, ''));
            continue;
        }
        const value = attributes[field.source];
        if (value === undefined || value === null) {
            if (field.required)
                problem(
                    'FIELD_REQUIRED',
                    where,
                    `is required but ${value === null ? 'is empty' : 'was not sent'}`,
                    ' ',
                );
            else if (value === null) data[field.target] = null;
            continue;
        }
        const transformed = transformField(field, value);
        if (transformed.ok) data[field.target] = transformed.value;
        else problem('FIELD_INVALID', where, transformed.error);
    }
    return { data, problems };
}

/** Maps attributes to domain fields through the rule; the first problem is returned, naming the column. */
export function mapRecord(
    entity: string,
    rule: EntityRule,
    attributes: NormalizedAttributes,
    recordId: string,
): Result<Record<string, FieldValue>, MappingError> {
    const mapped = mapFields(entity, rule, attributes, recordId);
    const first = mapped.problems[0];
    return first ? err(first) : ok(mapped.data);
}
