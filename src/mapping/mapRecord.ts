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
    message: string;
}

/** The record as fully as the event knows it: pre-image, then post-image, then the changed columns on top. */
export function mergedAttributes(event: NormalizedEvent): NormalizedAttributes {
    const merged: NormalizedAttributes = {};
    for (const image of Object.values(event.preImages)) Object.assign(merged, image);
    for (const image of Object.values(event.postImages)) Object.assign(merged, image);
    if (event.target) Object.assign(merged, event.target);
    return merged;
}

/** Required source columns the attributes lack (an Update without images carries only what changed). */
export function missingRequiredColumns(rule: EntityRule, attributes: NormalizedAttributes): string[] {
    return rule.fields.filter((f) => f.required && attributes[f.source] === undefined).map((f) => f.source);
}

/** Maps attributes to domain fields through the rule; the first problem is returned, naming the column. */
export function mapRecord(
    entity: string,
    rule: EntityRule,
    attributes: NormalizedAttributes,
    recordId: string,
): Result<Record<string, FieldValue>, MappingError> {
    const data: Record<string, FieldValue> = { [rule.recordIdTarget]: recordId };
    for (const field of rule.fields) {
        const value = attributes[field.source];
        const where = `${entity}.${field.source}`;
        if (value === undefined || value === null) {
            if (field.required) {
                return err({
                    code: 'FIELD_REQUIRED',
                    field: where,
                    message: `${where} is required but ${value === null ? 'is empty' : 'was not sent'}`,
                });
            }
            if (value === null) data[field.target] = null;
            continue;
        }
        const transformed = transformField(field, value);
        if (!transformed.ok)
            return err({ code: 'FIELD_INVALID', field: where, message: `${where}: ${transformed.error}` });
        data[field.target] = transformed.value;
    }
    return ok(data);
}
