import type { Failure } from '../domain/failure';
import { err, ok, type Result } from '../domain/result';
import type { FieldValue, TransactionEnvelope } from '../domain/transaction';
import type { EntityMap, EntityRule } from '../mapping/entityMapSchema';
import { transformField } from '../mapping/fieldTransform';
import type { CrmClient } from '../ports/crmClient';
import { crmUnavailable } from './conditionKeys';
import { classifyCrmFailure } from './crmFailure';

/**
 * Personal data (fields the entity map marks `personal`: a buyer's name, e-mail, phone, national id) goes to the ERP
 * and nowhere else. Intake leaves it out of the transaction, so it is never in a queue message, Table Storage, the
 * audit trail, a backup of the pipeline's state or a log; the session handler reads it from the CRM row, the system of
 * record, right before the ERP call, and keeps it only for that call. The ERP gets the row's values at posting time
 * (the CRM wins), which for an older event of the row are its newer values.
 */
export function leaveOutPersonal(
    data: Record<string, FieldValue>,
    rule: EntityRule,
): { data: Record<string, FieldValue>; personalFields: string[] } {
    const personalFields = rule.fields.filter((f) => f.personal).map((f) => f.target);
    if (personalFields.length === 0) return { data, personalFields };
    const kept = Object.fromEntries(Object.entries(data).filter(([field]) => !personalFields.includes(field)));
    return { data: kept, personalFields };
}

/** The personal fields of a transaction, read from its CRM row now; a failure says who must act. */
export async function readPersonalFields(
    envelope: TransactionEnvelope,
    deps: { crm: CrmClient; entityMap: EntityMap },
): Promise<Result<Record<string, FieldValue>, Failure>> {
    const wanted = envelope.personalFields ?? [];
    if (wanted.length === 0) return ok({});
    const { entity, recordId } = envelope.source;
    const rule = deps.entityMap.entities[entity];
    const fields = rule?.fields.filter((f) => wanted.includes(f.target)) ?? [];
    let row: Awaited<ReturnType<CrmClient['retrieve']>>;
    try {
        row = await deps.crm.retrieve(
            entity,
            recordId,
            fields.map((f) => f.source),
        );
    } catch (e) {
        const failure = classifyCrmFailure(e);
        // Dataverse cannot answer: the transaction waits for it like the CRM sync does, without burning retries.
        return err(
            failure.class === 'transient' ? { ...crmUnavailable(failure.message), code: failure.code } : failure,
        );
    }
    if (!row)
        return err({
            class: 'defect',
            code: 'CRM_ROW_GONE',
            message: `${entity} ${recordId} was deleted in the CRM before its personal data could be read for the ERP`,
            owner: 'salesOperations',
        });
    const values: Record<string, FieldValue> = {};
    for (const field of fields) {
        const value = row[field.source];
        if (value === undefined || value === null) {
            if (field.required)
                return err({
                    class: 'defect',
                    code: 'MAP_FIELD_MISSING',
                    message: `${entity}.${field.source} is required but empty in the CRM row`,
                    owner: 'integration',
                    details: { field: field.target },
                });
            values[field.target] = null;
            continue;
        }
        const transformed = transformField(field, value);
        if (!transformed.ok)
            return err({
                class: 'defect',
                code: 'MAP_FIELD_INVALID',
                // The transform's reason, never the value: it is personal data.
                message: `${entity}.${field.source} cannot be read as ${field.transform}`,
                owner: 'integration',
                details: { field: field.target },
            });
        values[field.target] = transformed.value;
    }
    return ok(values);
}

/** An ERP body for the audit trail: the fields that came from personal data are replaced by a marker. */
export function withoutPersonalValues(
    body: Record<string, FieldValue>,
    personalBodyFields: readonly string[],
): Record<string, FieldValue> {
    if (personalBodyFields.length === 0) return body;
    return Object.fromEntries(
        Object.entries(body).map(([k, v]) => [k, personalBodyFields.includes(k) && v !== null ? '[personal data]' : v]),
    );
}
