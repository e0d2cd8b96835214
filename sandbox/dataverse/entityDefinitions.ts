import { SandboxDataverseError } from './columnValues';
import { parseFilter } from './odataFilter';
import type { ColumnType, TableSchema } from './sandboxSchema';
import { stableId } from './stableId';

type Json = Record<string, unknown>;

const attributeTypes: Record<ColumnType, string> = {
    guid: 'Uniqueidentifier',
    text: 'String',
    whole: 'Integer',
    bigint: 'BigInt',
    decimal: 'Decimal',
    money: 'Money',
    choice: 'Picklist',
    datetime: 'DateTime',
    lookup: 'Lookup',
};

// The built-in tables keep their real object type codes; custom tables get theirs from 10000 on, as in Dataverse.
const systemTypeCodes: Record<string, number> = { account: 1, contact: 2 };

const picklistCast = 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata';

/**
 * Table definitions as the Web API serves them under `EntityDefinitions`, derived from the sandbox's schema:
 * `EntityDefinitions(LogicalName='x')` with `$select` and `$expand=Attributes(...)`, its `Attributes` (also by
 * `LogicalName`), the `PicklistAttributeMetadata` cast with `OptionSet`/`GlobalOptionSet` and their `Options`,
 * and the collection with `$select`/`$filter`. Unknown tables and columns answer 404 as Dataverse's metadata
 * cache does.
 */
export function serveEntityDefinitions(
    tables: readonly TableSchema[],
    apiUrl: string,
    path: string,
    query: URLSearchParams,
): Json {
    const base = `${apiUrl}$metadata#EntityDefinitions`;
    if (path === '') {
        const all = tables.map((t, i) => entitySummary(t, i));
        const filter = query.get('$filter');
        const matching = filter ? all.filter(parseFilter(filter)) : all;
        return { '@odata.context': base, value: matching.map((e) => select(e, query.get('$select'))) };
    }
    const match =
        /^\(LogicalName='([^']*)'\)(?:\/Attributes(?:\(LogicalName='([^']*)'\))?(\/Microsoft\.Dynamics\.CRM\.\w+)?)?$/.exec(
            path,
        );
    if (!match?.[1])
        throw new SandboxDataverseError(
            404,
            '0x8006088a',
            `Resource not found for the segment 'EntityDefinitions${path}'.`,
        );
    const index = tables.findIndex((t) => t.logicalName === match[1]);
    const table = tables[index];
    if (!table) {
        throw new SandboxDataverseError(
            404,
            '0x80041102',
            `The entity with a name = '${match[1]}' with namemapping = 'Logical' was not found in the MetadataCache.`,
        );
    }
    const attributes = Object.keys(table.columns).map((c) => attribute(table, c));
    const isAttributes = path.includes('/Attributes');
    if (!isAttributes) {
        const entity = select(entitySummary(table, index), query.get('$select'));
        const expand = expansions(query.get('$expand'));
        const expandAttributes = expand.get('Attributes');
        if (expandAttributes !== undefined)
            entity.Attributes = attributes.map((a) => select(a, expandAttributes.get('$select') ?? null));
        return { '@odata.context': `${base}/$entity`, ...entity };
    }
    const cast = match[3]?.slice(1);
    if (cast !== undefined && cast !== picklistCast) {
        throw new SandboxDataverseError(
            400,
            '0x80060888',
            `The sandbox serves only the ${picklistCast} cast, not ${cast}.`,
        );
    }
    const chosen = cast ? attributes.filter((a) => a.AttributeType === 'Picklist') : attributes;
    const shaped = (a: Json) => {
        const out = select(a, query.get('$select'));
        const expand = expansions(query.get('$expand'));
        for (const name of ['OptionSet', 'GlobalOptionSet'] as const) {
            const options = expand.get(name);
            if (options === undefined) continue;
            if (!cast)
                throw new SandboxDataverseError(
                    400,
                    '0x80060888',
                    `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'.`,
                );
            out[name] = select(optionSet(table, String(a.LogicalName)), options.get('$select') ?? null);
        }
        return out;
    };
    if (match[2] !== undefined) {
        const one = chosen.find((a) => a.LogicalName === match[2]);
        if (!one) {
            throw new SandboxDataverseError(
                404,
                '0x80041103',
                `'${table.logicalName}' entity doesn't contain attribute with Name = '${match[2]}' and NameMapping = 'Logical'.`,
            );
        }
        return { '@odata.context': `${base}('${table.logicalName}')/Attributes/$entity`, ...shaped(one) };
    }
    return { '@odata.context': `${base}('${table.logicalName}')/Attributes`, value: chosen.map(shaped) };
}

function entitySummary(table: TableSchema, index: number): Json {
    return {
        MetadataId: stableId(`entity:${table.logicalName}`),
        LogicalName: table.logicalName,
        EntitySetName: table.entitySet,
        PrimaryIdAttribute: table.primaryKey,
        PrimaryNameAttribute: table.primaryName,
        ObjectTypeCode: systemTypeCodes[table.logicalName] ?? 10000 + index,
        IsCustomEntity: table.logicalName.startsWith('re_'),
    };
}

function attribute(table: TableSchema, column: string): Json {
    const type = table.columns[column] ?? 'text';
    const attributeType = column === 'statecode' ? 'State' : column === 'ownerid' ? 'Owner' : attributeTypes[type];
    return {
        '@odata.type': `#Microsoft.Dynamics.CRM.${attributeType === 'Uniqueidentifier' ? '' : attributeType}AttributeMetadata`,
        MetadataId: stableId(`attribute:${table.logicalName}.${column}`),
        LogicalName: column,
        AttributeType: attributeType,
        IsCustomAttribute: column.startsWith('re_'),
    };
}

function optionSet(table: TableSchema, column: string): Json {
    const label = (text: string) => {
        const localized = {
            Label: text,
            LanguageCode: 1033,
            IsManaged: false,
            MetadataId: stableId(`label:${text}`),
            HasChanged: null,
        };
        return { LocalizedLabels: [localized], UserLocalizedLabel: localized };
    };
    const options = Object.entries(table.choices[column] ?? {}).map(([value, text]) => ({
        Value: Number(value),
        Color: null,
        IsManaged: false,
        ExternalValue: null,
        ParentValues: [],
        Tag: null,
        IsHidden: false,
        MetadataId: null,
        HasChanged: null,
        Label: label(text),
        Description: { LocalizedLabels: [], UserLocalizedLabel: null },
    }));
    return {
        MetadataId: stableId(`optionset:${table.logicalName}.${column}`),
        Name: `${table.logicalName}_${column}`,
        IsGlobal: false,
        OptionSetType: 'Picklist',
        Options: options,
    };
}

/** `$select` keeps the named properties; MetadataId always comes, as in Dataverse. Unknown names are refused. */
function select(row: Json, list: string | null): Json {
    if (list === null) return { ...row };
    const out: Json = { MetadataId: row.MetadataId };
    if (row['@odata.type']) out['@odata.type'] = row['@odata.type'];
    for (const name of list
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)) {
        if (!(name in row) && name !== 'Attributes') {
            throw new SandboxDataverseError(
                400,
                '0x80060888',
                `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.`,
            );
        }
        if (name in row) out[name] = row[name];
    }
    return out;
}

/** `A($select=x,y),B` → A ↦ {$select: 'x,y'}, B ↦ {}. */
function expansions(expand: string | null): Map<string, Map<string, string>> {
    const out = new Map<string, Map<string, string>>();
    if (!expand) return out;
    let depth = 0;
    let start = 0;
    const items: string[] = [];
    for (let i = 0; i <= expand.length; i++) {
        const c = expand[i];
        if (c === '(') depth++;
        if (c === ')') depth--;
        if ((c === ',' && depth === 0) || i === expand.length) {
            items.push(expand.slice(start, i).trim());
            start = i + 1;
        }
    }
    for (const item of items.filter(Boolean)) {
        const m = /^(\w+)(?:\((.*)\))?$/.exec(item);
        if (!m?.[1]) throw new SandboxDataverseError(400, '0x80060888', `Syntax error in $expand '${expand}'.`);
        const options = new Map<string, string>();
        for (const option of (m[2] ?? '').split(';').filter(Boolean)) {
            const [key, value] = option.split('=');
            if (key && value !== undefined) options.set(key.trim(), value.trim());
        }
        out.set(m[1], options);
    }
    return out;
}
