import type { EntityMap } from '../mapping/entityMapSchema';
import { type ApplyOutcome, applyRegistration } from './applyRegistration';
import {
    authValue,
    desiredRegistration,
    type EndpointAuth,
    isOwnedStepName,
    registrationName,
} from './desiredRegistration';
import { preflightFindings, readTables } from './preflight';
import { planRegistration, type RegistrationPlan } from './registrationPlan';
import type { RegistrationPort } from './registrationPort';

export interface RegistrationRequest {
    map: EntityMap;
    endpoint: { url: string; auth: EndpointAuth };
    /** The webhook key or header secret; needed only when the endpoint's secret must be (re)sent. */
    secret: string | undefined;
    rotateSecret: boolean;
    dryRun: boolean;
}

export interface RegistrationReport {
    entityMapVersion: string;
    dryRun: boolean;
    plan: RegistrationPlan;
    /** Absent for a dry run. */
    outcome: ApplyOutcome | undefined;
}

/**
 * `npm run dataverse:register`: reads what Dataverse holds (table definitions, the endpoint, our steps and their
 * images), plans the changes that make it match the entity map, and applies them unless it is a dry run or the
 * pre-flight found errors.
 */
export async function registerDataverse(
    request: RegistrationRequest,
    port: RegistrationPort,
): Promise<RegistrationReport> {
    const desired = desiredRegistration(request.map, request.endpoint);
    const tables = await readTables(request.map, port);
    const preflight = preflightFindings(request.map, tables);
    const missingTables = new Set([...tables].filter(([, t]) => t === undefined).map(([name]) => name));

    const endpoints = await port.findServiceEndpoints(registrationName);
    const messages = await port.findMessages([...new Set(desired.steps.map((s) => s.message))]);
    const stepTables = [...new Set(desired.steps.map((s) => s.table))].filter((t) => !missingTables.has(t));
    const filters =
        messages.length > 0 && stepTables.length > 0
            ? await port.findMessageFilters(
                  messages.map((m) => m.id),
                  stepTables,
              )
            : [];
    const endpointId = endpoints.length === 1 ? endpoints[0]?.id : undefined;
    const steps = await port.findSteps(`${registrationName}: `, endpointId);
    const ownedIds = steps.filter((s) => isOwnedStepName(s.name)).map((s) => s.id);
    const images = ownedIds.length > 0 ? await port.findImages(ownedIds) : [];

    const planned = planRegistration(
        desired,
        { endpoints, messages, filters, steps, images },
        { rotateSecret: request.rotateSecret, secretAvailable: request.secret !== undefined, missingTables },
    );
    const plan = { ...planned, findings: [...preflight, ...planned.findings] };
    const outcome = request.dryRun
        ? undefined
        : await applyRegistration(
              plan,
              port,
              request.secret === undefined ? undefined : authValue(request.endpoint.auth, request.secret),
          );
    return { entityMapVersion: request.map.version, dryRun: request.dryRun, plan, outcome };
}
