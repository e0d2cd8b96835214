import { CrmRequestError } from '../../ports/crmErrors';
import type {
    EndpointWrite,
    ImageRecord,
    ImageWrite,
    RegistrationPort,
    SdkMessageFilterRecord,
    SdkMessageRecord,
    ServiceEndpointRecord,
    StepRecord,
    StepWrite,
    TableDefinition,
} from '../../registration/registrationPort';
import { faultFromResponse, faultFromThrown } from './dataverseFault';
import { sendWebApi, type WebApiConnection } from './webApiRequest';

type Row = Record<string, unknown>;

/** Ids per `$filter` of an `or` list: keeps the URL well under the 32 KB Dataverse accepts. */
const idsPerQuery = 40;

/**
 * The registration port over the Dataverse Web API: table definitions (EntityDefinitions, with the options of
 * choice columns), and the serviceendpoints, sdkmessages, sdkmessagefilters, sdkmessageprocessingsteps and
 * sdkmessageprocessingstepimages tables. Look-ups are written with `@odata.bind` on their navigation properties.
 */
export class DataverseRegistrationClient implements RegistrationPort {
    readonly #connection: WebApiConnection;

    constructor(options: { orgUrl: string; getToken: () => Promise<string>; timeoutMs: number; apiPath?: string }) {
        this.#connection = {
            apiUrl: `${options.orgUrl.replace(/\/+$/, '')}${options.apiPath ?? '/api/data/v9.2'}/`,
            getToken: options.getToken,
            timeoutMs: options.timeoutMs,
        };
    }

    async readTable(logicalName: string): Promise<TableDefinition | undefined> {
        const entity = `EntityDefinitions(LogicalName='${quote(logicalName)}')`;
        const label = `GET EntityDefinitions(${logicalName})`;
        const response = await this.#send(
            label,
            'GET',
            `${entity}?$select=LogicalName&$expand=Attributes($select=LogicalName,AttributeType)`,
        );
        // Dataverse answers 404 ("… was not found in the MetadataCache") for a table it does not have.
        if (response.status === 404) {
            await response.body?.cancel();
            return undefined;
        }
        const body = await this.#json(response, label);
        const columns: Record<string, string> = {};
        for (const a of rows(body.Attributes, label)) {
            if (typeof a.LogicalName === 'string') columns[a.LogicalName] = String(a.AttributeType ?? '');
        }
        const options: TableDefinition['options'] = {};
        if (Object.values(columns).includes('Picklist')) {
            const picklists = `${entity}/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)`;
            const choiceLabel = `GET EntityDefinitions(${logicalName})/Attributes (choices)`;
            const answer = await this.#json(await this.#send(choiceLabel, 'GET', picklists), choiceLabel);
            for (const attribute of rows(answer.value, choiceLabel)) {
                const set = (attribute.GlobalOptionSet ?? attribute.OptionSet) as { Options?: unknown } | null;
                options[String(attribute.LogicalName)] = rows(set?.Options ?? [], choiceLabel).map((o) => ({
                    value: Number(o.Value),
                    label: optionLabel(o.Label),
                }));
            }
        }
        return { logicalName, columns, options };
    }

    async findServiceEndpoints(name: string): Promise<ServiceEndpointRecord[]> {
        const found = await this.#query(
            'serviceendpoints',
            'serviceendpointid,name,contract,url,authtype,isauthvalueset',
            `name eq '${quote(name)}'`,
        );
        return found.map((r) => ({
            id: String(r.serviceendpointid),
            name: String(r.name),
            contract: Number(r.contract),
            url: typeof r.url === 'string' ? r.url : null,
            authtype: typeof r.authtype === 'number' ? r.authtype : null,
            isauthvalueset: r.isauthvalueset === true,
        }));
    }

    async findMessages(names: readonly string[]): Promise<SdkMessageRecord[]> {
        const filter = names.map((n) => `name eq '${quote(n)}'`).join(' or ');
        const found = await this.#query('sdkmessages', 'sdkmessageid,name', filter);
        return found.map((r) => ({ id: String(r.sdkmessageid), name: String(r.name) }));
    }

    async findMessageFilters(
        messageIds: readonly string[],
        tables: readonly string[],
    ): Promise<SdkMessageFilterRecord[]> {
        const byMessage = messageIds.map((id) => `_sdkmessageid_value eq ${guid(id)}`).join(' or ');
        const byTable = tables.map((t) => `primaryobjecttypecode eq '${quote(t)}'`).join(' or ');
        const found = await this.#query(
            'sdkmessagefilters',
            'sdkmessagefilterid,primaryobjecttypecode,_sdkmessageid_value',
            `(${byMessage}) and (${byTable}) and iscustomprocessingstepallowed eq true`,
        );
        return found.map((r) => ({
            id: String(r.sdkmessagefilterid),
            messageId: String(r._sdkmessageid_value),
            primaryobjecttypecode: String(r.primaryobjecttypecode),
        }));
    }

    async findSteps(namePrefix: string, eventHandlerId: string | undefined): Promise<StepRecord[]> {
        const byName = `startswith(name,'${quote(namePrefix)}')`;
        const found = await this.#query(
            'sdkmessageprocessingsteps',
            'sdkmessageprocessingstepid,name,_eventhandler_value,_sdkmessageid_value,_sdkmessagefilterid_value,mode,stage,rank,supporteddeployment,asyncautodelete,filteringattributes,statecode',
            eventHandlerId ? `${byName} or _eventhandler_value eq ${guid(eventHandlerId)}` : byName,
        );
        return found.map((r) => ({
            id: String(r.sdkmessageprocessingstepid),
            name: String(r.name),
            eventHandlerId: idOrNull(r._eventhandler_value),
            messageId: idOrNull(r._sdkmessageid_value),
            filterId: idOrNull(r._sdkmessagefilterid_value),
            mode: Number(r.mode),
            stage: Number(r.stage),
            rank: Number(r.rank),
            supporteddeployment: Number(r.supporteddeployment),
            asyncautodelete: r.asyncautodelete === true,
            filteringattributes: typeof r.filteringattributes === 'string' ? r.filteringattributes : null,
            statecode: Number(r.statecode),
        }));
    }

    async findImages(stepIds: readonly string[]): Promise<ImageRecord[]> {
        const found: Row[] = [];
        for (let i = 0; i < stepIds.length; i += idsPerQuery) {
            const chunk = stepIds.slice(i, i + idsPerQuery);
            found.push(
                ...(await this.#query(
                    'sdkmessageprocessingstepimages',
                    'sdkmessageprocessingstepimageid,name,entityalias,imagetype,messagepropertyname,attributes,_sdkmessageprocessingstepid_value',
                    chunk.map((id) => `_sdkmessageprocessingstepid_value eq ${guid(id)}`).join(' or '),
                )),
            );
        }
        return found.map((r) => ({
            id: String(r.sdkmessageprocessingstepimageid),
            stepId: String(r._sdkmessageprocessingstepid_value),
            name: String(r.name),
            entityalias: String(r.entityalias),
            imagetype: Number(r.imagetype),
            messagepropertyname: String(r.messagepropertyname),
            attributes: typeof r.attributes === 'string' ? r.attributes : null,
        }));
    }

    createServiceEndpoint(fields: EndpointWrite): Promise<string> {
        return this.#create('serviceendpoints', { ...fields });
    }

    updateServiceEndpoint(id: string, fields: Partial<EndpointWrite>): Promise<void> {
        return this.#update('serviceendpoints', id, { ...fields });
    }

    createStep(fields: StepWrite): Promise<string> {
        // A new step starts Enabled; statecode is set only to enable a disabled one.
        const { statecode: _state, statuscode: _status, ...rest } = fields;
        return this.#create('sdkmessageprocessingsteps', stepBody(rest));
    }

    updateStep(id: string, fields: Partial<StepWrite>): Promise<void> {
        return this.#update('sdkmessageprocessingsteps', id, stepBody(fields));
    }

    deleteStep(id: string): Promise<void> {
        return this.#delete('sdkmessageprocessingsteps', id);
    }

    createImage(fields: ImageWrite): Promise<string> {
        return this.#create('sdkmessageprocessingstepimages', imageBody(fields));
    }

    updateImage(id: string, fields: Partial<ImageWrite>): Promise<void> {
        return this.#update('sdkmessageprocessingstepimages', id, imageBody(fields));
    }

    deleteImage(id: string): Promise<void> {
        return this.#delete('sdkmessageprocessingstepimages', id);
    }

    /** Every row of `set` matching `filter`, following `@odata.nextLink` within this organisation. */
    async #query(set: string, select: string, filter: string): Promise<Row[]> {
        const label = `GET ${set}`;
        const out: Row[] = [];
        let path: string | undefined = `${set}?$select=${select}&$filter=${encodeURIComponent(filter)}`;
        while (path !== undefined) {
            const body = await this.#json(
                await this.#send(label, 'GET', path, { Prefer: 'odata.include-annotations="*"' }),
                label,
            );
            out.push(...rows(body.value, label));
            const next = body['@odata.nextLink'];
            if (typeof next === 'string' && !next.startsWith(this.#connection.apiUrl)) {
                throw new CrmRequestError(`${label}: the next link leaves ${this.#connection.apiUrl}`, 502, undefined);
            }
            path = typeof next === 'string' ? next.slice(this.#connection.apiUrl.length) : undefined;
        }
        return out;
    }

    async #create(set: string, body: Row): Promise<string> {
        const label = `POST ${set}`;
        const response = await this.#send(
            label,
            'POST',
            set,
            { 'Content-Type': 'application/json; charset=utf-8' },
            body,
        );
        if (!response.ok) throw await faultFromResponse(response, label);
        await response.body?.cancel();
        const id = /\(([0-9a-f-]{36})\)$/i.exec(response.headers.get('OData-EntityId') ?? '')?.[1];
        if (id === undefined) throw new CrmRequestError(`${label}: the answer has no OData-EntityId`, 502, undefined);
        return id.toLowerCase();
    }

    async #update(set: string, id: string, body: Row): Promise<void> {
        const label = `PATCH ${set}(${id})`;
        // If-Match: * makes the PATCH update-only: a row deleted meanwhile answers 404 instead of being recreated.
        const response = await this.#send(
            label,
            'PATCH',
            `${set}(${guid(id)})`,
            { 'Content-Type': 'application/json; charset=utf-8', 'If-Match': '*' },
            body,
        );
        if (!response.ok) throw await faultFromResponse(response, label);
        await response.body?.cancel();
    }

    async #delete(set: string, id: string): Promise<void> {
        const label = `DELETE ${set}(${id})`;
        const response = await this.#send(label, 'DELETE', `${set}(${guid(id)})`);
        if (!response.ok) throw await faultFromResponse(response, label);
        await response.body?.cancel();
    }

    async #json(response: Response, label: string): Promise<Row> {
        if (!response.ok) throw await faultFromResponse(response, label);
        try {
            return (await response.json()) as Row;
        } catch (e) {
            throw faultFromThrown(e, label, this.#connection.timeoutMs);
        }
    }

    #send(label: string, method: string, path: string, headers: Record<string, string> = {}, body?: Row) {
        return sendWebApi(this.#connection, label, path, {
            method,
            headers,
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
    }
}

function stepBody(fields: Partial<StepWrite>): Row {
    const { messageId, filterId, eventHandlerId, ...columns } = fields;
    return {
        ...columns,
        ...(messageId ? { 'sdkmessageid@odata.bind': `/sdkmessages(${guid(messageId)})` } : {}),
        ...(filterId ? { 'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${guid(filterId)})` } : {}),
        ...(eventHandlerId
            ? { 'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${guid(eventHandlerId)})` }
            : {}),
    };
}

function imageBody(fields: Partial<ImageWrite>): Row {
    const { stepId, ...columns } = fields;
    return {
        ...columns,
        ...(stepId ? { 'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${guid(stepId)})` } : {}),
    };
}

function rows(value: unknown, label: string): Row[] {
    if (!Array.isArray(value))
        throw new CrmRequestError(`${label}: the answer has no list where one was expected`, 502, undefined);
    return value as Row[];
}

function optionLabel(label: unknown): string {
    const user = (label as { UserLocalizedLabel?: { Label?: unknown } } | null)?.UserLocalizedLabel?.Label;
    return typeof user === 'string' ? user : '';
}

function idOrNull(value: unknown): string | null {
    return typeof value === 'string' ? value.toLowerCase() : null;
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids go into URLs and filters: anything but a GUID is refused before it is sent. */
function guid(id: string): string {
    if (!guidPattern.test(id)) throw new CrmRequestError(`'${id}' is not a GUID`, 400, undefined);
    return id.toLowerCase();
}

/** An OData string literal doubles its single quotes. */
function quote(value: string): string {
    return value.replace(/'/g, "''");
}
