import { type DesiredImage, type DesiredRegistration, type DesiredStep, isOwnedStepName } from './desiredRegistration';
import { type EndpointPlan, planEndpoint } from './endpointPlan';
import { type Action, columnSet, compare, type FieldChange } from './planChange';
import { error, type Finding, warning } from './preflight';
import type {
    ImageRecord,
    ImageWrite,
    SdkMessageFilterRecord,
    SdkMessageRecord,
    ServiceEndpointRecord,
    StepRecord,
    StepWrite,
} from './registrationPort';

export interface ImagePlan {
    action: Action;
    name: string;
    entityalias: string;
    imagetype: number;
    attributes: string;
    id: string | undefined;
    changes: FieldChange[];
    write: Omit<ImageWrite, 'stepId'> | undefined;
}

export interface StepPlan {
    action: Action;
    name: string;
    id: string | undefined;
    filteringattributes: string | null;
    changes: FieldChange[];
    /** Why a step is deleted, or why it cannot be written (no message filter). */
    reason: string | undefined;
    /** The endpoint's id is filled in at apply time when the endpoint is created in the same run. */
    write: (Omit<StepWrite, 'eventHandlerId'> & { eventHandlerId: string | undefined }) | undefined;
    images: ImagePlan[];
}

export interface RegistrationPlan {
    endpoint: EndpointPlan;
    steps: StepPlan[];
    findings: Finding[];
    /** Creates, updates and deletes of the endpoint, steps and images. 0 means Dataverse matches the map. */
    changes: number;
}

export interface ActualRegistration {
    endpoints: ServiceEndpointRecord[];
    messages: SdkMessageRecord[];
    filters: SdkMessageFilterRecord[];
    steps: StepRecord[];
    images: ImageRecord[];
}

/** The difference between what the map wants and what Dataverse holds, change by change. Pure. */
export function planRegistration(
    desired: DesiredRegistration,
    actual: ActualRegistration,
    options: { rotateSecret: boolean; secretAvailable: boolean; missingTables: ReadonlySet<string> },
): RegistrationPlan {
    const { endpoint, findings } = planEndpoint(desired.endpoint, actual.endpoints, options);

    const owned = new Map<string, StepRecord[]>();
    for (const step of [...actual.steps].sort((a, b) => a.id.localeCompare(b.id))) {
        if (!isOwnedStepName(step.name)) {
            findings.push(
                warning(
                    'FOREIGN_STEP_ON_ENDPOINT',
                    step.name,
                    `step "${step.name}" also sends to ${desired.endpoint.name} but is not managed here: it is left alone (intake ignores what the map does not cover)`,
                ),
            );
            continue;
        }
        owned.set(step.name, [...(owned.get(step.name) ?? []), step]);
    }
    const steps: StepPlan[] = [];
    for (const want of desired.steps) {
        const [have, ...duplicates] = owned.get(want.name) ?? [];
        owned.delete(want.name);
        const messageId = actual.messages.find((m) => m.name === want.message)?.id;
        const filterId = actual.filters.find(
            (f) => f.messageId === messageId && f.primaryobjecttypecode === want.table,
        )?.id;
        if (filterId === undefined && !options.missingTables.has(want.table)) {
            findings.push(
                error(
                    'MESSAGE_FILTER_MISSING',
                    want.table,
                    `Dataverse has no ${want.message} message filter for ${want.table}: a step cannot be registered on it`,
                ),
            );
        }
        const images = actual.images.filter((i) => have !== undefined && i.stepId === have.id);
        steps.push(planStep(want, have, images, { messageId, filterId, endpointId: endpoint.id }));
        for (const extra of duplicates) steps.push(deletion(extra, actual.images, 'a duplicate of the step above'));
    }
    for (const [, stale] of owned) {
        for (const step of stale) steps.push(deletion(step, actual.images, 'no longer in the entity map'));
    }
    const changes =
        (endpoint.action === 'unchanged' ? 0 : 1) +
        steps.reduce(
            (n, s) =>
                n +
                (s.action === 'unchanged' ? 0 : 1) +
                s.images.filter((i) => i.action !== 'unchanged' && s.action !== 'delete').length,
            0,
        );
    return { endpoint, steps, findings, changes };
}

function planStep(
    want: DesiredStep,
    have: StepRecord | undefined,
    images: ImageRecord[],
    ids: { messageId: string | undefined; filterId: string | undefined; endpointId: string | undefined },
): StepPlan {
    const filtering = want.filteringattributes?.join(',') ?? null;
    const blocked =
        ids.messageId === undefined || ids.filterId === undefined
            ? `no ${want.message} message filter for ${want.table}`
            : undefined;
    const write =
        ids.messageId === undefined || ids.filterId === undefined
            ? undefined
            : {
                  name: want.name,
                  description: want.description,
                  mode: want.mode,
                  stage: want.stage,
                  rank: want.rank,
                  supporteddeployment: want.supporteddeployment,
                  asyncautodelete: want.asyncautodelete,
                  filteringattributes: filtering,
                  statecode: 0,
                  statuscode: 1,
                  messageId: ids.messageId,
                  filterId: ids.filterId,
                  eventHandlerId: ids.endpointId,
              };
    const base = { name: want.name, filteringattributes: filtering, reason: blocked, write };
    if (!have) {
        return { ...base, action: 'create', id: undefined, changes: [], images: want.images.map((i) => planImage(i)) };
    }
    const changes: FieldChange[] = [];
    compare(changes, 'eventhandler', have.eventHandlerId, ids.endpointId ?? '(the new endpoint)');
    compare(changes, 'sdkmessageid', have.messageId, ids.messageId ?? null);
    compare(changes, 'sdkmessagefilterid', have.filterId, ids.filterId ?? null);
    compare(changes, 'mode', have.mode, want.mode);
    compare(changes, 'stage', have.stage, want.stage);
    compare(changes, 'rank', have.rank, want.rank);
    compare(changes, 'supporteddeployment', have.supporteddeployment, want.supporteddeployment);
    compare(changes, 'asyncautodelete', have.asyncautodelete, want.asyncautodelete);
    if (columnSet(have.filteringattributes) !== columnSet(filtering)) {
        changes.push({
            field: 'filteringattributes',
            from: have.filteringattributes ?? '(all columns)',
            to: filtering ?? '(none)',
        });
    }
    if (have.statecode !== 0) changes.push({ field: 'statecode', from: 'Disabled', to: 'Enabled' });
    const planned = want.images.map((i) =>
        planImage(
            i,
            images.find((a) => a.entityalias === i.entityalias),
        ),
    );
    for (const stale of images.filter((a) => !want.images.some((i) => i.entityalias === a.entityalias))) {
        planned.push(imageDeletion(stale));
    }
    return { ...base, action: changes.length > 0 ? 'update' : 'unchanged', id: have.id, changes, images: planned };
}

function planImage(want: DesiredImage, have?: ImageRecord): ImagePlan {
    const attributes = want.attributes.join(',');
    const write = {
        name: want.name,
        entityalias: want.entityalias,
        imagetype: want.imagetype,
        messagepropertyname: want.messagepropertyname,
        attributes,
    };
    const base = { name: want.name, entityalias: want.entityalias, imagetype: want.imagetype, attributes, write };
    if (!have) return { ...base, action: 'create', id: undefined, changes: [] };
    const changes: FieldChange[] = [];
    compare(changes, 'name', have.name, want.name);
    compare(changes, 'imagetype', have.imagetype, want.imagetype);
    compare(changes, 'messagepropertyname', have.messagepropertyname, want.messagepropertyname);
    if (columnSet(have.attributes) !== columnSet(attributes)) {
        changes.push({ field: 'attributes', from: have.attributes ?? '(all columns)', to: attributes });
    }
    return { ...base, action: changes.length > 0 ? 'update' : 'unchanged', id: have.id, changes };
}

function imageDeletion(have: ImageRecord): ImagePlan {
    return {
        action: 'delete',
        name: have.name,
        entityalias: have.entityalias,
        imagetype: have.imagetype,
        attributes: have.attributes ?? '',
        id: have.id,
        changes: [],
        write: undefined,
    };
}

/** Deleting a step deletes its images with it (Dataverse cascades); they are listed for the reader. */
function deletion(step: StepRecord, images: ImageRecord[], reason: string): StepPlan {
    return {
        action: 'delete',
        name: step.name,
        id: step.id,
        filteringattributes: step.filteringattributes,
        changes: [],
        reason,
        write: undefined,
        images: images.filter((i) => i.stepId === step.id).map(imageDeletion),
    };
}
