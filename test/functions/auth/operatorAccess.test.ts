import { describe, expect, it } from 'vitest';
import { actingAs, operatorAccess } from '../../../functions/auth/operatorAccess';
import { appPrincipal, principal } from '../../console/clientPrincipal';
import { localActor, userActor } from '../../support/actors';

const oid = '3f2b9c1e-8d4a-4b6f-a1c2-000000000abc';

describe('operatorAccess', () => {
    it('allows everything locally (no sign-in on loopback)', () => {
        expect(operatorAccess('none', null, 'act')).toEqual({ kind: 'allowed', actor: localActor });
    });

    it('requires an Entra ID principal behind Easy Auth, and by default', () => {
        for (const mode of ['easyAuth', undefined] as const) {
            expect(operatorAccess(mode, null, 'read')).toMatchObject({
                kind: 'denied',
                status: 401,
                code: 'UNAUTHENTICATED',
            });
        }
        expect(operatorAccess('easyAuth', 'not base64 json', 'read')).toMatchObject({ kind: 'denied', status: 401 });
    });

    it('refuses a principal without an object id: the actor must be a stable Entra identity', () => {
        const noOid = Buffer.from(
            JSON.stringify({
                claims: [
                    { typ: 'name', val: 'Ana' },
                    { typ: 'roles', val: 'Console.Act' },
                ],
            }),
        ).toString('base64');
        expect(operatorAccess('easyAuth', noOid, 'read')).toMatchObject({ kind: 'denied', status: 401 });
    });

    it('lets Console.Read read but not act', () => {
        const header = principal('Ana Ops', ['Console.Read'], { oid, upn: 'ana@contoso.example' });
        expect(operatorAccess('easyAuth', header, 'read')).toEqual({
            kind: 'allowed',
            actor: { kind: 'user', id: oid, name: 'ana@contoso.example', canRead: true, canAct: false },
        });
        expect(operatorAccess('easyAuth', header, 'act')).toMatchObject({
            kind: 'denied',
            status: 403,
            message: 'the Console.Act app role is required',
        });
    });

    it('lets Console.Act read and act', () => {
        const header = principal('Bo Finance', ['Console.Act'], { oid, upn: 'bo@contoso.example' });
        expect(operatorAccess('easyAuth', header, 'act')).toMatchObject({
            kind: 'allowed',
            actor: { name: 'bo@contoso.example', canRead: true, canAct: true },
        });
    });

    it('names a user by the sign-in name (UPN) first, the display name only without one', () => {
        const withUpn = operatorAccess('easyAuth', principal('Bo', ['Console.Read'], { upn: 'bo@contoso' }), 'read');
        const nameOnly = operatorAccess('easyAuth', principal('Bo', ['Console.Read']), 'read');
        expect([withUpn, nameOnly].map((a) => (a.kind === 'allowed' ? a.actor.name : a.kind))).toEqual([
            'bo@contoso',
            'Bo',
        ]);
    });

    it('names an application calling with its own token by its client id', () => {
        const header = appPrincipal('11111111-2222-3333-4444-555555555555', oid, ['Console.Read']);
        expect(operatorAccess('easyAuth', header, 'read')).toEqual({
            kind: 'allowed',
            actor: {
                kind: 'app',
                id: oid,
                name: 'app:11111111-2222-3333-4444-555555555555',
                canRead: true,
                canAct: false,
            },
        });
    });

    it('refuses a signed-in caller without either role, and reads roles under the principal role_typ', () => {
        expect(operatorAccess('easyAuth', principal('Cy', ['Other.Role']), 'read')).toMatchObject({ status: 403 });
        const roleUri = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
        const custom = Buffer.from(
            JSON.stringify({
                role_typ: roleUri,
                claims: [
                    { typ: 'oid', val: oid },
                    { typ: roleUri, val: 'Console.Read' },
                ],
            }),
        ).toString('base64');
        expect(operatorAccess('easyAuth', custom, 'read')).toMatchObject({ kind: 'allowed' });
    });
});

describe('actingAs', () => {
    it('records the signed-in account whatever the body claims; locally the claim stands', () => {
        expect(actingAs(userActor('bo@contoso'), 'someone else')).toBe('bo@contoso');
        expect(actingAs(localActor, 'ana at the desk')).toBe('ana at the desk');
        expect(actingAs(localActor, undefined)).toBe('local operator');
    });
});
