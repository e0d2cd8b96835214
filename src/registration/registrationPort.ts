/**
 * The Dataverse Web API calls the registration needs, in Dataverse's own terms (table and column names of
 * serviceendpoint, sdkmessage, sdkmessagefilter, sdkmessageprocessingstep, sdkmessageprocessingstepimage and
 * EntityDefinitions). The adapter (src/adapters/dataverse/dataverseRegistrationClient.ts) speaks HTTP; tests
 * run it against the sandbox Dataverse.
 */

/** A table's definition as the pre-flight needs it: its columns and, for choice columns, the option values. */
export interface TableDefinition {
    logicalName: string;
    /** Column logical name → AttributeType (`String`, `Lookup`, `Picklist`, …). */
    columns: Record<string, string>;
    /** Choice (Picklist) column → its option values and labels. */
    options: Record<string, { value: number; label: string }[]>;
}

export interface ServiceEndpointRecord {
    id: string;
    name: string;
    contract: number;
    url: string | null;
    authtype: number | null;
    /** authvalue itself is never readable; Dataverse tells only whether one is set. */
    isauthvalueset: boolean;
}

export interface SdkMessageRecord {
    id: string;
    name: string;
}

export interface SdkMessageFilterRecord {
    id: string;
    messageId: string;
    /** The table's logical name. */
    primaryobjecttypecode: string;
}

/** The columns of sdkmessageprocessingstep that say how the step runs. */
export interface StepSettings {
    mode: number;
    stage: number;
    rank: number;
    supporteddeployment: number;
    asyncautodelete: boolean;
    filteringattributes: string | null;
}

export interface StepRecord extends StepSettings {
    id: string;
    name: string;
    eventHandlerId: string | null;
    messageId: string | null;
    filterId: string | null;
    /** 0 Enabled, 1 Disabled. */
    statecode: number;
}

export interface ImageRecord {
    id: string;
    stepId: string;
    name: string;
    entityalias: string;
    imagetype: number;
    messagepropertyname: string;
    attributes: string | null;
}

export interface EndpointWrite {
    name: string;
    contract: number;
    url: string;
    authtype: number;
    description: string;
    /** Sent only when it must change; the plan never holds it. */
    authvalue?: string;
}

export interface StepWrite extends StepSettings {
    name: string;
    description: string;
    statecode: number;
    statuscode: number;
    messageId: string;
    filterId: string;
    eventHandlerId: string;
}

export interface ImageWrite {
    name: string;
    entityalias: string;
    imagetype: number;
    messagepropertyname: string;
    attributes: string;
    stepId: string;
}

export interface RegistrationReader {
    /** undefined when Dataverse has no such table. */
    readTable(logicalName: string): Promise<TableDefinition | undefined>;
    findServiceEndpoints(name: string): Promise<ServiceEndpointRecord[]>;
    findMessages(names: readonly string[]): Promise<SdkMessageRecord[]>;
    findMessageFilters(messageIds: readonly string[], tables: readonly string[]): Promise<SdkMessageFilterRecord[]>;
    /** Steps whose name starts with `namePrefix`, and (when given) every step on that event handler. */
    findSteps(namePrefix: string, eventHandlerId: string | undefined): Promise<StepRecord[]>;
    findImages(stepIds: readonly string[]): Promise<ImageRecord[]>;
}

export interface RegistrationWriter {
    createServiceEndpoint(fields: EndpointWrite): Promise<string>;
    updateServiceEndpoint(id: string, fields: Partial<EndpointWrite>): Promise<void>;
    createStep(fields: StepWrite): Promise<string>;
    updateStep(id: string, fields: Partial<StepWrite>): Promise<void>;
    deleteStep(id: string): Promise<void>;
    createImage(fields: ImageWrite): Promise<string>;
    updateImage(id: string, fields: Partial<ImageWrite>): Promise<void>;
    deleteImage(id: string): Promise<void>;
}

export type RegistrationPort = RegistrationReader & RegistrationWriter;
