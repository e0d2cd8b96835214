/** The ops console's two app roles (Entra ID app registration → App roles; assigned to users or groups). */
export const consoleRoles = { read: 'Console.Read', act: 'Console.Act' } as const;

export interface ConsoleUser {
    name: string;
    canRead: boolean;
    canAct: boolean;
}

export type ConsoleAccess =
    | { kind: 'allowed'; user: ConsoleUser }
    | { kind: 'denied'; status: 401 | 403; code: string; message: string };

interface ClientPrincipal {
    auth_typ?: string;
    name_typ?: string;
    role_typ?: string;
    claims?: { typ?: string; val?: string }[];
}

const roleClaimTypes = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];
const nameClaimTypes = ['name', 'preferred_username', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'];

/**
 * Who is asking and what they may do. In Azure, App Service Authentication (Easy Auth) signs the user in with Entra ID
 * and passes `x-ms-client-principal` (base64 JSON of the token's claims); the platform strips that header from
 * incoming requests, so it can be trusted only with Easy Auth in front of every console route. Acting implies viewing.
 * Locally (`none`) everything is allowed.
 */
export function consoleAccess(
    mode: 'easyAuth' | 'none' | undefined,
    header: string | null,
    needs: 'read' | 'act',
): ConsoleAccess {
    if (mode === 'none') return { kind: 'allowed', user: { name: 'local operator', canRead: true, canAct: true } };
    if (!header) {
        return {
            kind: 'denied',
            status: 401,
            code: 'UNAUTHENTICATED',
            message: 'sign in required: the console runs behind App Service Authentication (Entra ID)',
        };
    }
    const principal = decode(header);
    if (!principal) {
        return { kind: 'denied', status: 401, code: 'UNAUTHENTICATED', message: 'x-ms-client-principal is unreadable' };
    }
    const claims = principal.claims ?? [];
    const roleTypes = new Set([...roleClaimTypes, ...(principal.role_typ ? [principal.role_typ] : [])]);
    const roles = new Set(claims.filter((c) => c.typ && roleTypes.has(c.typ)).map((c) => c.val));
    const nameTypes = [...(principal.name_typ ? [principal.name_typ] : []), ...nameClaimTypes];
    const name = nameTypes.map((t) => claims.find((c) => c.typ === t)?.val).find((v) => v) ?? 'signed-in user';
    const canAct = roles.has(consoleRoles.act);
    const user = { name, canRead: canAct || roles.has(consoleRoles.read), canAct };
    if (needs === 'act' && !user.canAct) {
        return {
            kind: 'denied',
            status: 403,
            code: 'FORBIDDEN',
            message: `the ${consoleRoles.act} app role is required`,
        };
    }
    if (!user.canRead) {
        return {
            kind: 'denied',
            status: 403,
            code: 'FORBIDDEN',
            message: `the ${consoleRoles.read} (or ${consoleRoles.act}) app role is required`,
        };
    }
    return { kind: 'allowed', user };
}

function decode(header: string): ClientPrincipal | undefined {
    try {
        const parsed: unknown = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
        return typeof parsed === 'object' && parsed !== null ? (parsed as ClientPrincipal) : undefined;
    } catch {
        return undefined;
    }
}
