/**
 * The two app roles of the operator APIs and the console (Entra ID app registration → App roles; assigned to users,
 * groups or applications). Acting implies reading.
 */
export const operatorRoles = { read: 'Console.Read', act: 'Console.Act' } as const;

export type OperatorNeed = 'read' | 'act';

/**
 * Who calls. `id` is the Entra object id (`oid`): stable across renames and never an e-mail, so logs carry it.
 * `name` is what audit rows and answers show: the user's UPN (`preferred_username`), or `app:<client id>` for an
 * application calling with its own token. Locally (`CONSOLE_AUTH=none`) there is no sign-in: `local`.
 */
export interface Actor {
    kind: 'user' | 'app' | 'local';
    id: string;
    name: string;
    canRead: boolean;
    canAct: boolean;
}

export type OperatorAccess =
    | { kind: 'allowed'; actor: Actor }
    | { kind: 'denied'; status: 401 | 403; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string };

interface ClientPrincipal {
    auth_typ?: string;
    name_typ?: string;
    role_typ?: string;
    claims?: { typ?: string; val?: string }[];
}

// Easy Auth maps some claims to their long (WS-Federation) names; both spellings are read.
const claimTypes = {
    roles: ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'],
    oid: ['oid', 'http://schemas.microsoft.com/identity/claims/objectidentifier'],
    userName: [
        'preferred_username',
        'upn',
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
        'name',
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    ],
    clientApp: ['azp', 'appid'],
};

const localActor: Actor = { kind: 'local', id: 'local', name: 'local operator', canRead: true, canAct: true };

/**
 * Who is asking and whether they may. In Azure, App Service Authentication (Easy Auth, Entra ID) validates the
 * browser's session or the bearer token (the connector's OAuth connection, an app's client-credentials token) and
 * passes `x-ms-client-principal`, base64 JSON of the token's claims; the platform strips that header from incoming
 * requests, so it is trusted only with Easy Auth in front of the app (infra/app/functionApp.bicep, and settings.ts
 * refuses `CONSOLE_AUTH=none` in Azure). Locally (`none`) everyone is the local operator.
 */
export function operatorAccess(
    mode: 'easyAuth' | 'none' | undefined,
    header: string | null,
    needs: OperatorNeed,
): OperatorAccess {
    if (mode === 'none') return { kind: 'allowed', actor: localActor };
    if (!header) return unauthenticated('an Entra ID sign-in or bearer token is required (App Service Authentication)');
    const principal = decode(header);
    if (!principal) return unauthenticated('x-ms-client-principal is unreadable');
    const claims = principal.claims ?? [];
    const first = (types: string[]) => types.map((t) => claims.find((c) => c.typ === t)?.val).find((v) => v);
    const id = first(claimTypes.oid);
    if (!id)
        return unauthenticated('the token names no object id (oid): sign in with an Entra ID account or application');
    const roleTypes = new Set([...claimTypes.roles, ...(principal.role_typ ? [principal.role_typ] : [])]);
    const roles = new Set(claims.filter((c) => c.typ && roleTypes.has(c.typ)).map((c) => c.val));
    const userName = first([...claimTypes.userName, ...(principal.name_typ ? [principal.name_typ] : [])]);
    const canAct = roles.has(operatorRoles.act);
    const actor: Actor = {
        kind: userName ? 'user' : 'app',
        id,
        name: userName ?? `app:${first(claimTypes.clientApp) ?? id}`,
        canRead: canAct || roles.has(operatorRoles.read),
        canAct,
    };
    if (needs === 'act' && !actor.canAct) return forbidden(`the ${operatorRoles.act} app role is required`);
    if (!actor.canRead) return forbidden(`the ${operatorRoles.read} (or ${operatorRoles.act}) app role is required`);
    return { kind: 'allowed', actor };
}

const unauthenticated = (message: string): OperatorAccess => ({
    kind: 'denied',
    status: 401,
    code: 'UNAUTHENTICATED',
    message,
});
const forbidden = (message: string): OperatorAccess => ({ kind: 'denied', status: 403, code: 'FORBIDDEN', message });

/**
 * The name an action is recorded under: the signed-in account, whatever the body's `by` says (a published, now
 * deprecated field). Only locally, where nobody signs in, does the caller's own `by` stand.
 */
export function actingAs(actor: Actor, claimed: string | undefined): string {
    return actor.kind === 'local' && claimed ? claimed : actor.name;
}

function decode(header: string): ClientPrincipal | undefined {
    try {
        const parsed: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
        return typeof parsed === 'object' && parsed !== null ? (parsed as ClientPrincipal) : undefined;
    } catch {
        return undefined;
    }
}
