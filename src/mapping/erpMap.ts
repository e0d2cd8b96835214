import type { Failure } from '../domain/failure';
import type { Result } from '../domain/result';
import { err, ok } from '../domain/result';
import type { FieldValue, TransactionEnvelope } from '../domain/transaction';
import type { ErpRequest } from '../ports/erpClient';
import type { MappingLookup } from '../ports/mappingLookup';
import type { ErpBodyField, ErpMap } from './erpMapSchema';

export { loadErpMap } from './erpMapSchema';

export type BuiltErpRequest = ErpRequest & { erpMapVersion: string };

/** A map defect names the field it is about (`details.field`): the review queue and the CRM row show it. */
const defect = (code: string, message: string, field?: string): Failure => ({
    class: 'defect',
    code,
    message,
    owner: 'integration',
    ...(field ? { details: { field } } : {}),
});

/**
 * Turns a domain transaction into the ERP call the map describes. A missing look-up row or data field is a
 * defect for the integration team (fix the mapping table or the map, then retry), never a crash or a silent drop.
 */
export async function buildErpRequest(
    envelope: TransactionEnvelope,
    map: ErpMap,
    lookup: MappingLookup,
): Promise<Result<BuiltErpRequest, Failure>> {
    const rule = map.transactions[envelope.type];
    if (!rule) return err(defect('MAP_TYPE_MISSING', `ERP map ${map.version} has no request for ${envelope.type}`));
    const data = envelope.data;

    let path = '';
    // The record the path names: the literal segment before the first placeholder, and the placeholders' values.
    let resource = '';
    const reference: string[] = [];
    for (const part of rule.path.split(/(\{\w+\})/)) {
        const placeholder = /^\{(\w+)\}$/.exec(part)?.[1];
        if (!placeholder) {
            if (reference.length === 0) resource = part.split('/').filter(Boolean).at(-1) ?? '';
            path += part;
            continue;
        }
        const value = data[placeholder];
        if ((typeof value !== 'string' && typeof value !== 'number') || value === '') {
            return err(
                defect(
                    'MAP_FIELD_MISSING',
                    `${envelope.type}.${placeholder} is needed for the ERP path but is missing`,
                    placeholder,
                ),
            );
        }
        path += encodeURIComponent(String(value));
        reference.push(String(value));
    }

    const postingSource = rule.postingDate === '$changedAt' ? envelope.source.changedAt : data[rule.postingDate];
    if (typeof postingSource !== 'string' || Number.isNaN(Date.parse(postingSource))) {
        return err(
            defect(
                'MAP_FIELD_MISSING',
                `${envelope.type}.${rule.postingDate} (posting date) is missing or not a date`,
                rule.postingDate,
            ),
        );
    }

    const body: Record<string, FieldValue> = {
        sourceRecordId: envelope.source.recordId,
        // The ERP keeps it on the posting (an external document number): how a re-push finds what was already
        // posted when the ERP keeps no idempotency keys.
        integrationReference: envelope.transactionId,
        postingDate: new Date(postingSource).toISOString().slice(0, 10),
    };
    for (const [erpField, source] of Object.entries(rule.body)) {
        const value = await resolveField(envelope, erpField, source, lookup);
        if (!value.ok) return value;
        if (value.value !== undefined) body[erpField] = value.value;
        else if (isRequired(source)) {
            return err(describeMissing(envelope, erpField, source));
        }
    }
    return ok({
        method: rule.method,
        path,
        target: { resource, reference: reference.join('/') },
        idempotencyKey: envelope.transactionId,
        correlationId: envelope.correlationId,
        body,
        erpMapVersion: map.version,
    });
}

async function resolveField(
    envelope: TransactionEnvelope,
    erpField: string,
    source: ErpBodyField,
    lookup: MappingLookup,
): Promise<Result<FieldValue | undefined, Failure>> {
    if ('const' in source) return ok(source.const);
    if ('lookup' in source) {
        const key = envelope.data[source.key];
        if (key === undefined || key === null || key === '') return ok(undefined);
        const value = await lookup.get(source.lookup, String(key));
        // Optional means "only when the key has a value": a key without a row would silently drop a vendor or
        // cost centre from the ERP record, so it is a defect whatever `required` says.
        if (value === undefined) return err(lookupMissing(source.lookup, String(key), erpField));
        return ok(value);
    }
    const value = envelope.data[source.from];
    if (value === undefined || value === null) return ok(undefined);
    if (source.transform === 'date') {
        if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
            return err(defect('MAP_FIELD_INVALID', `${envelope.type}.${source.from} is not a date`));
        }
        return ok(new Date(value).toISOString().slice(0, 10));
    }
    if (source.transform === 'upper') return ok(String(value).toUpperCase());
    return ok(value);
}

function lookupMissing(mapping: string, key: string, erpField: string): Failure {
    return defect(
        'LOOKUP_MISSING',
        `No ${mapping} mapping for ${key} (needed for ${erpField}); add it to the mappings table and retry`,
        erpField,
    );
}

function isRequired(source: ErpBodyField): boolean {
    if ('const' in source) return false;
    return source.required !== false;
}

function describeMissing(envelope: TransactionEnvelope, erpField: string, source: ErpBodyField): Failure {
    if ('lookup' in source) {
        return defect(
            'LOOKUP_MISSING',
            `${envelope.type}.${source.key} is empty, so ${erpField} cannot be looked up in ${source.lookup}`,
            source.key,
        );
    }
    const from = 'from' in source ? source.from : erpField;
    return defect(
        'MAP_FIELD_MISSING',
        `${envelope.type}.${from} is required for ERP field ${erpField} but is missing`,
        from,
    );
}

/** The ERP body fields a transaction type fills from these domain fields (e.g. the personal ones, for the audit). */
export function erpFieldsFrom(
    map: ErpMap,
    type: TransactionEnvelope['type'],
    domainFields: readonly string[],
): string[] {
    const rule = map.transactions[type];
    if (!rule || domainFields.length === 0) return [];
    return Object.entries(rule.body)
        .filter(([, source]) => 'from' in source && domainFields.includes(source.from))
        .map(([erpField]) => erpField);
}

/** Rows for the reviewed field-map document (`npm run map:doc`). */
export function describeErpMap(
    map: ErpMap,
): Array<{ transactionType: string; request: string; erpField: string; source: string; required: boolean }> {
    return Object.entries(map.transactions).flatMap(([type, rule]) => [
        {
            transactionType: type,
            request: `${rule.method} ${rule.path}`,
            erpField: 'postingDate',
            source: `${rule.postingDate} (date)`,
            required: true,
        },
        ...Object.entries(rule.body).map(([erpField, source]) => ({
            transactionType: type,
            request: `${rule.method} ${rule.path}`,
            erpField,
            source:
                'const' in source
                    ? `constant ${JSON.stringify(source.const)}`
                    : 'lookup' in source
                      ? `mapping table ${source.lookup}[${source.key}]`
                      : `${source.from}${source.transform ? ` (${source.transform})` : ''}`,
            required: isRequired(source),
        })),
    ]);
}
