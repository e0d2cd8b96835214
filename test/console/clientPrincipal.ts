/** x-ms-client-principal as App Service Authentication sends it: base64 JSON of the token's claims. */
export function principal(name: string, roles: string[]): string {
    const claims = [{ typ: 'name', val: name }, ...roles.map((val) => ({ typ: 'roles', val }))];
    return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims })).toString(
        'base64',
    );
}
