import type { FieldChange } from './planChange';
import type { RegistrationPlan, StepPlan } from './registrationPlan';
import type { RegistrationWriter } from './registrationPort';

/** Plan fields whose write goes to other properties: look-ups by id, the state with its status reason. */
const writtenAs: Record<string, string[]> = {
    eventhandler: ['eventHandlerId'],
    sdkmessageid: ['messageId'],
    sdkmessagefilterid: ['filterId'],
    statecode: ['statecode', 'statuscode'],
    authvalue: [],
};

/** An update sends only what differs, like a PATCH by hand: columns Dataverse fixes after creation stay untouched. */
function changed<T extends object>(write: T, changes: FieldChange[]): Partial<T> {
    const keys = changes.flatMap((c) => writtenAs[c.field] ?? [c.field]);
    return Object.fromEntries(Object.entries(write).filter(([k]) => keys.includes(k))) as Partial<T>;
}

export interface AppliedChange {
    kind: 'endpoint' | 'step' | 'image';
    action: 'create' | 'update' | 'delete';
    name: string;
    id: string;
}

export type ApplyOutcome =
    | { kind: 'applied'; applied: AppliedChange[] }
    /** The pre-flight found errors: nothing was sent. */
    | { kind: 'refused'; applied: [] }
    /** Dataverse refused a change: what was applied before it stays, and a re-run continues from there. */
    | {
          kind: 'failed';
          applied: AppliedChange[];
          failed: { kind: AppliedChange['kind']; name: string; reason: string };
      };

/**
 * Makes Dataverse match the plan: the endpoint first (steps point at it), then each step with its images,
 * deletions last (so events keep flowing if a change on the way is refused). Every call is a plain create,
 * update or delete, so a run that stops half-way is finished by running again.
 */
export async function applyRegistration(
    plan: RegistrationPlan,
    writer: RegistrationWriter,
    secret: string | undefined,
): Promise<ApplyOutcome> {
    if (plan.findings.some((f) => f.severity === 'error')) return { kind: 'refused', applied: [] };
    const applied: AppliedChange[] = [];
    let current: { kind: AppliedChange['kind']; name: string } = { kind: 'endpoint', name: plan.endpoint.name };
    try {
        let endpointId = plan.endpoint.id;
        const { endpoint } = plan;
        const authvalue = endpoint.sendsSecret ? secret : undefined;
        if (endpoint.action === 'create') {
            endpointId = await writer.createServiceEndpoint({ ...endpoint.write, ...(authvalue ? { authvalue } : {}) });
            applied.push({ kind: 'endpoint', action: 'create', name: endpoint.name, id: endpointId });
        } else if (endpoint.action === 'update' && endpointId) {
            await writer.updateServiceEndpoint(endpointId, {
                ...changed(endpoint.write, endpoint.changes),
                ...(authvalue ? { authvalue } : {}),
            });
            applied.push({ kind: 'endpoint', action: 'update', name: endpoint.name, id: endpointId });
        }
        if (endpointId === undefined) throw new Error('the service endpoint has no id');
        const deletions: StepPlan[] = [];
        for (const step of plan.steps) {
            if (step.action === 'delete') {
                deletions.push(step);
                continue;
            }
            current = { kind: 'step', name: step.name };
            const stepId = await writeStep(step, endpointId, writer, applied);
            for (const image of step.images) {
                if (image.action === 'unchanged') continue;
                current = { kind: 'image', name: `${step.name} / ${image.entityalias}` };
                if (image.action === 'delete' && image.id) {
                    await writer.deleteImage(image.id);
                    applied.push({ kind: 'image', action: 'delete', name: current.name, id: image.id });
                } else if (image.action === 'create' && image.write) {
                    const id = await writer.createImage({ ...image.write, stepId });
                    applied.push({ kind: 'image', action: 'create', name: current.name, id });
                } else if (image.action === 'update' && image.write && image.id) {
                    await writer.updateImage(image.id, changed(image.write, image.changes));
                    applied.push({ kind: 'image', action: 'update', name: current.name, id: image.id });
                }
            }
        }
        for (const step of deletions) {
            current = { kind: 'step', name: step.name };
            if (!step.id) continue;
            await writer.deleteStep(step.id);
            applied.push({ kind: 'step', action: 'delete', name: step.name, id: step.id });
        }
        return { kind: 'applied', applied };
    } catch (e) {
        return { kind: 'failed', applied, failed: { ...current, reason: e instanceof Error ? e.message : String(e) } };
    }
}

async function writeStep(
    step: StepPlan,
    endpointId: string,
    writer: RegistrationWriter,
    applied: AppliedChange[],
): Promise<string> {
    if (!step.write) throw new Error(step.reason ?? 'the step cannot be written');
    const write = { ...step.write, eventHandlerId: endpointId };
    if (step.action === 'create') {
        const id = await writer.createStep(write);
        applied.push({ kind: 'step', action: 'create', name: step.name, id });
        return id;
    }
    if (!step.id) throw new Error('the step has no id');
    if (step.action === 'update') {
        await writer.updateStep(step.id, changed(write, step.changes));
        applied.push({ kind: 'step', action: 'update', name: step.name, id: step.id });
    }
    return step.id;
}
