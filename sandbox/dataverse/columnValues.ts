import { isEntityRef, type NormalizedAttributes, type NormalizedValue } from '../../src/dataverse/normalizedEvent';
import { type ColumnType, systemColumns, type TableSchema } from './sandboxSchema';

/** A request the sandbox refuses, with the status and Dataverse error code the real Web API sends for it. */
export class SandboxDataverseError extends Error {
    constructor(
        readonly status: number,
        readonly dataverseCode: string,
        message: string,
    ) {
        super(message);
        this.name = 'SandboxDataverseError';
    }
}

export const edmTypes: Record<ColumnType, string> = {
    guid: 'Edm.Guid',
    text: 'Edm.String',
    whole: 'Edm.Int32',
    bigint: 'Edm.Int64',
    decimal: 'Edm.Decimal',
    money: 'Edm.Decimal',
    choice: 'Edm.Int32',
    datetime: 'Edm.DateTimeOffset',
    lookup: 'Microsoft.Dynamics.CRM.crmbaseentity',
};

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isoPattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function invalidProperty(table: TableSchema, property: string): SandboxDataverseError {
    return new SandboxDataverseError(
        400,
        '0x80060888',
        `Invalid property '${property}' was found in entity 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
    );
}

/**
 * Checks writable columns in normalised form and returns them cleaned (look-up ids and dates canonical).
 * The primary key is ignored (it is the row's address); system columns are read-only, as in Dataverse.
 */
export function checkColumns(table: TableSchema, attributes: NormalizedAttributes): NormalizedAttributes {
    const out: NormalizedAttributes = {};
    for (const [key, value] of Object.entries(attributes)) {
        if (key === table.primaryKey) continue;
        const type = table.columns[key];
        if (type === undefined || key in systemColumns) throw invalidProperty(table, key);
        out[key] = checkValue(table, key, type, value);
    }
    return out;
}

function checkValue(table: TableSchema, key: string, type: ColumnType, value: NormalizedValue): NormalizedValue {
    if (value === null) return null;
    const fail = () =>
        new SandboxDataverseError(
            400,
            '0x80048d19',
            `Error identified in Payload provided by the user for Entity :'${table.logicalName}': cannot convert the value of '${key}' to the expected type '${edmTypes[type]}'.`,
        );
    switch (type) {
        case 'guid':
            if (typeof value === 'string' && guidPattern.test(value)) return value.toLowerCase();
            throw fail();
        case 'text':
            if (typeof value === 'string') return value;
            throw fail();
        case 'whole':
        case 'bigint':
        case 'choice':
            if (typeof value === 'number' && Number.isInteger(value)) return value;
            throw fail();
        case 'decimal':
        case 'money':
            if (typeof value === 'number' && Number.isFinite(value)) return value;
            throw fail();
        case 'datetime':
            if (typeof value === 'string' && isoPattern.test(value) && !Number.isNaN(Date.parse(value))) {
                return new Date(value).toISOString();
            }
            throw fail();
        case 'lookup':
            if (isEntityRef(value) && guidPattern.test(value.id)) {
                return { logicalName: value.logicalName, id: value.id.toLowerCase(), name: value.name ?? null };
            }
            throw fail();
    }
}
