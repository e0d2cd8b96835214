/**
 * A Dataverse event after parsing: the RemoteExecutionContext's key/value arrays turned into maps and
 * every typed value into plain data (see docs in ../shared/dataverse-events.md, section 1):
 * Money → number, OptionSetValue → number, OptionSetValueCollection → number[],
 * EntityReference → { logicalName, id, name }, DateTime → ISO 8601 UTC string, EntityCollection → attribute maps.
 */
export interface EntityRefValue {
    logicalName: string;
    id: string;
    name: string | null;
}

export type NormalizedValue =
    | string
    | number
    | boolean
    | null
    | EntityRefValue
    | number[]
    | NormalizedAttributes[]
    | { [key: string]: NormalizedValue };

export type NormalizedAttributes = Record<string, NormalizedValue>;

export interface NormalizedEvent {
    /** e.g. `Create`, `Update`, `Delete`, `SetState`. */
    messageName: string;
    /** PrimaryEntityName, e.g. `re_reservation`. */
    entity: string;
    /** PrimaryEntityId, lowercase. */
    recordId: string;
    correlationId: string;
    /** AsyncOperationId for async steps; absent (all-zero GUID) otherwise. */
    operationId?: string;
    /** ISO 8601 UTC. */
    operationCreatedOn?: string;
    requestId?: string;
    organizationName?: string;
    /** 0 synchronous, 1 asynchronous. */
    mode: number;
    stage: number;
    depth: number;
    /** Target entity attributes (Create/Update: on Update only the changed columns); null for Delete or when stripped. */
    target: NormalizedAttributes | null;
    /** Target.RowVersion when sent. */
    rowVersion?: string;
    /** Pre/post images by the alias registered on the step (AsynchronousStepPrimaryName included when present). */
    preImages: Record<string, NormalizedAttributes>;
    postImages: Record<string, NormalizedAttributes>;
    /** True when `x-ms-dynamics-msg-size-exceeded` was sent: InputParameters and images were removed. */
    sizeExceeded: boolean;
    /**
     * Columns of the Target or an image whose value could not be read (column → why, with its path). They are left out
     * of the attribute maps; a mapped one makes the row invalid (it goes to review), an unmapped one does not matter.
     */
    unreadable?: Record<string, string>;
}

export function isEntityRef(value: NormalizedValue | undefined): value is EntityRefValue {
    return (
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        typeof (value as { logicalName?: unknown }).logicalName === 'string' &&
        typeof (value as { id?: unknown }).id === 'string'
    );
}
