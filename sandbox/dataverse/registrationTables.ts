import { SandboxDataverseError } from './columnValues';

type Row = Record<string, unknown>;

export type SystemColumnKind = 'string' | 'int' | 'bool';

export interface SystemColumn {
    kind: SystemColumnKind;
    /** Choice values Dataverse accepts for the column. */
    options?: readonly number[];
    required?: boolean;
    default?: unknown;
    /** Writable but never returned (IsValidForRead = False), like serviceendpoint.authvalue. */
    writeOnly?: boolean;
}

/** A look-up column: written through its navigation properties with `@odata.bind`, read as `_<column>_value`. */
export interface SystemLookup {
    column: string;
    /** Navigation property → the entity set it binds to (a polymorphic look-up has several). */
    navigation: Record<string, string>;
    required?: boolean;
}

export interface SystemTable {
    logicalName: string;
    entitySet: string;
    primaryKey: string;
    columns: Record<string, SystemColumn>;
    lookups: SystemLookup[];
    /** Rows of this table are deleted with the row they point at (Dataverse's Cascade delete). */
    cascadeFrom?: string;
}

const text = { kind: 'string' } as const;

/**
 * The registration tables the sandbox stores, with Dataverse's column names, choice values and look-ups
 * (learn.microsoft.com: serviceendpoint, sdkmessageprocessingstep, sdkmessageprocessingstepimage).
 */
export const registrationTables: readonly SystemTable[] = [
    {
        logicalName: 'serviceendpoint',
        entitySet: 'serviceendpoints',
        primaryKey: 'serviceendpointid',
        columns: {
            name: { ...text, required: true },
            description: text,
            contract: { kind: 'int', options: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], required: true },
            url: text,
            authtype: { kind: 'int', options: [1, 2, 3, 4, 5, 6, 7, 8] },
            authvalue: { ...text, writeOnly: true },
            messageformat: { kind: 'int', options: [1, 2, 3], default: 2 },
            connectionmode: { kind: 'int', options: [1, 2], default: 1 },
            userclaim: { kind: 'int', options: [1, 2, 3], default: 1 },
            namespaceaddress: text,
            path: text,
            solutionnamespace: text,
        },
        lookups: [],
    },
    {
        logicalName: 'sdkmessageprocessingstep',
        entitySet: 'sdkmessageprocessingsteps',
        primaryKey: 'sdkmessageprocessingstepid',
        columns: {
            name: { ...text, required: true },
            description: text,
            mode: { kind: 'int', options: [0, 1], default: 0 },
            stage: { kind: 'int', options: [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 80, 90], default: 10 },
            rank: { kind: 'int', default: 1 },
            supporteddeployment: { kind: 'int', options: [0, 1, 2], default: 0 },
            asyncautodelete: { kind: 'bool', default: false },
            filteringattributes: text,
            configuration: text,
            invocationsource: { kind: 'int', options: [-1, 0, 1], default: 0 },
            statecode: { kind: 'int', options: [0, 1], default: 0 },
            statuscode: { kind: 'int', options: [1, 2], default: 1 },
        },
        lookups: [
            { column: 'sdkmessageid', navigation: { sdkmessageid: 'sdkmessages' }, required: true },
            { column: 'sdkmessagefilterid', navigation: { sdkmessagefilterid: 'sdkmessagefilters' } },
            {
                column: 'eventhandler',
                navigation: {
                    eventhandler_serviceendpoint: 'serviceendpoints',
                    eventhandler_plugintype: 'plugintypes',
                },
                required: true,
            },
        ],
        cascadeFrom: 'eventhandler',
    },
    {
        logicalName: 'sdkmessageprocessingstepimage',
        entitySet: 'sdkmessageprocessingstepimages',
        primaryKey: 'sdkmessageprocessingstepimageid',
        columns: {
            name: { ...text, required: true },
            description: text,
            entityalias: { ...text, required: true },
            imagetype: { kind: 'int', options: [0, 1, 2], required: true },
            messagepropertyname: { ...text, required: true },
            attributes: text,
            relatedattributename: text,
        },
        lookups: [
            {
                column: 'sdkmessageprocessingstepid',
                navigation: { sdkmessageprocessingstepid: 'sdkmessageprocessingsteps' },
                required: true,
            },
        ],
        cascadeFrom: 'sdkmessageprocessingstepid',
    },
];

/**
 * A POST or PATCH body checked as Dataverse checks it: unknown properties, types and choice values refused,
 * look-ups only through `@odata.bind` on a navigation property. Returns the columns to store, look-ups as
 * `_<column>_value`, and each bound row as `{ set, id }` for the caller to check it exists.
 */
export function parseSystemWrite(
    table: SystemTable,
    body: unknown,
): { fields: Row; binds: { column: string; set: string; id: string }[] } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new SandboxDataverseError(400, '0x80048d19', 'Error identified in Payload provided by the user.');
    }
    const fields: Row = {};
    const binds: { column: string; set: string; id: string }[] = [];
    for (const [key, value] of Object.entries(body as Row)) {
        if (key.endsWith('@odata.bind')) {
            const nav = key.slice(0, -'@odata.bind'.length);
            const lookup = table.lookups.find((l) => nav in l.navigation);
            if (!lookup) throw invalid(table, nav);
            if (value === null) {
                fields[`_${lookup.column}_value`] = null;
                continue;
            }
            const m = typeof value === 'string' ? /^\/?(\w+)\(\{?([0-9a-f-]{36})\}?\)$/i.exec(value) : null;
            if (!m?.[1] || !m[2] || m[1] !== lookup.navigation[nav]) {
                throw new SandboxDataverseError(
                    400,
                    '0x80048d19',
                    `'${key}' must reference a row as /${lookup.navigation[nav]}(<id>).`,
                );
            }
            fields[`_${lookup.column}_value`] = m[2].toLowerCase();
            binds.push({ column: lookup.column, set: m[1], id: m[2].toLowerCase() });
            continue;
        }
        if (key.includes('@')) continue;
        const column = table.columns[key];
        if (!column) throw invalid(table, key);
        fields[key] = checkValue(table, key, column, value);
    }
    return { fields, binds };
}

function checkValue(table: SystemTable, key: string, column: SystemColumn, value: unknown): unknown {
    if (value === null) return null;
    const ok =
        (column.kind === 'string' && typeof value === 'string') ||
        (column.kind === 'int' && Number.isInteger(value)) ||
        (column.kind === 'bool' && typeof value === 'boolean');
    if (!ok) {
        throw new SandboxDataverseError(
            400,
            '0x80048d19',
            `Error identified in Payload provided by the user for Entity :'${table.logicalName}': cannot convert the value of '${key}' to the expected type.`,
        );
    }
    if (column.options && !column.options.includes(value as number)) {
        throw new SandboxDataverseError(
            400,
            '0x80044331',
            `A validation error occurred. The value ${String(value)} of '${key}' on record of type '${table.logicalName}' is outside the valid range. Accepted Values: ${column.options.join(',')}`,
        );
    }
    return value;
}

export function invalid(table: SystemTable, property: string): SandboxDataverseError {
    return new SandboxDataverseError(
        400,
        '0x80060888',
        `Invalid property '${property}' was found in entity 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
    );
}
