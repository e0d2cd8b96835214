/**
 * x-ms-client-principal as App Service Authentication sends it: base64 JSON of the token's claims, some under the
 * long claim names Easy Auth maps them to (the object id). `name` is the display name; `upn` the sign-in name.
 */
export function principal(name: string, roles: string[], who: { oid?: string; upn?: string } = {}): string {
    const claims = [
        { typ: 'name', val: name },
        ...(who.upn ? [{ typ: 'preferred_username', val: who.upn }] : []),
        {
            typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
            val: who.oid ?? '0b5e6c1a-0000-4000-8000-000000000001',
        },
        ...roles.map((val) => ({ typ: 'roles', val })),
    ];
    return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims })).toString(
        'base64',
    );
}

/** An application calling with its own token (client credentials): object id and client id, no user name. */
export function appPrincipal(clientId: string, oid: string, roles: string[]): string {
    const claims = [
        { typ: 'azp', val: clientId },
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: oid },
        ...roles.map((val) => ({ typ: 'roles', val })),
    ];
    return Buffer.from(JSON.stringify({ auth_typ: 'aad', role_typ: 'roles', claims })).toString('base64');
}
