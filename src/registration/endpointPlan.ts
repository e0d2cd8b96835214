import { authTypeNames, type DesiredEndpoint } from './desiredRegistration';
import { type Action, compare, type FieldChange } from './planChange';
import { error, type Finding } from './preflight';
import type { EndpointWrite, ServiceEndpointRecord } from './registrationPort';

export interface EndpointPlan {
    action: Action;
    name: string;
    id: string | undefined;
    url: string;
    auth: string;
    changes: FieldChange[];
    /** The secret goes with this change (creation, new auth type, none set, or --rotate-secret). */
    sendsSecret: boolean;
    write: Omit<EndpointWrite, 'authvalue'>;
}

/**
 * The endpoint named like ours: created when absent, updated when its url or auth type differ or its secret must
 * be sent; two of that name, or one that is not a webhook, is a conflict only a person can settle.
 */
export function planEndpoint(
    want: DesiredEndpoint,
    endpoints: readonly ServiceEndpointRecord[],
    options: { rotateSecret: boolean; secretAvailable: boolean },
): { endpoint: EndpointPlan; findings: Finding[] } {
    const findings: Finding[] = [];
    const existing = [...endpoints].sort((a, b) => a.id.localeCompare(b.id));
    if (existing.length > 1) {
        findings.push(
            error(
                'ENDPOINT_CONFLICT',
                want.name,
                `${existing.length} service endpoints are named ${want.name}; delete the ones not in use (ids ${existing.map((e) => e.id).join(', ')})`,
            ),
        );
    }
    const current = existing[0];
    if (current && current.contract !== 8) {
        findings.push(
            error(
                'ENDPOINT_CONFLICT',
                want.name,
                `service endpoint ${want.name} has contract ${current.contract}, not 8 (Webhook): rename or delete it`,
            ),
        );
    }
    const endpoint = endpointChanges(want, current, options.rotateSecret);
    if (endpoint.sendsSecret && !options.secretAvailable) {
        findings.push(
            error(
                'SECRET_MISSING',
                want.name,
                `the endpoint needs its ${endpoint.auth} secret (${endpoint.action === 'create' ? 'new endpoint' : 'none set, auth type changed or --rotate-secret'}) and none was given`,
            ),
        );
    }

    return { endpoint, findings };
}

function endpointChanges(
    want: DesiredEndpoint,
    have: ServiceEndpointRecord | undefined,
    rotateSecret: boolean,
): EndpointPlan {
    const auth = authTypeNames[want.authtype] ?? String(want.authtype);
    const write = {
        name: want.name,
        contract: want.contract,
        url: want.url,
        authtype: want.authtype,
        description: want.description,
    };
    if (!have) {
        return {
            action: 'create',
            name: want.name,
            id: undefined,
            url: want.url,
            auth,
            changes: [],
            sendsSecret: true,
            write,
        };
    }
    const changes: FieldChange[] = [];
    compare(changes, 'url', have.url, want.url);
    compare(changes, 'authtype', named(have.authtype), auth);
    const sendsSecret = rotateSecret || have.authtype !== want.authtype || !have.isauthvalueset;
    if (sendsSecret) changes.push({ field: 'authvalue', from: have.isauthvalueset ? '***' : '(not set)', to: '***' });
    return {
        action: changes.length > 0 ? 'update' : 'unchanged',
        name: want.name,
        id: have.id,
        url: want.url,
        auth,
        changes,
        sendsSecret,
        write,
    };
}

function named(authtype: number | null): string {
    return authtype === null ? '(none)' : (authTypeNames[authtype] ?? String(authtype));
}
