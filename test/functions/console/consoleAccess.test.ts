import { describe, expect, it } from 'vitest';
import { consoleAccess } from '../../../functions/console/consoleAccess';
import { principal } from '../../console/clientPrincipal';

describe('consoleAccess', () => {
    it('allows everything locally (no sign-in on loopback)', () => {
        expect(consoleAccess('none', null, 'act')).toEqual({
            kind: 'allowed',
            user: { name: 'local operator', canRead: true, canAct: true },
        });
    });

    it('requires sign-in behind Easy Auth, and by default', () => {
        for (const mode of ['easyAuth', undefined] as const) {
            expect(consoleAccess(mode, null, 'read')).toMatchObject({ kind: 'denied', status: 401 });
        }
        expect(consoleAccess('easyAuth', 'not base64 json', 'read')).toMatchObject({ kind: 'denied', status: 401 });
    });

    it('lets Console.Read view but not act', () => {
        const header = principal('Ana Ops', ['Console.Read']);
        expect(consoleAccess('easyAuth', header, 'read')).toEqual({
            kind: 'allowed',
            user: { name: 'Ana Ops', canRead: true, canAct: false },
        });
        expect(consoleAccess('easyAuth', header, 'act')).toMatchObject({
            kind: 'denied',
            status: 403,
            message: 'the Console.Act app role is required',
        });
    });

    it('lets Console.Act view and act', () => {
        const header = principal('Bo Finance', ['Console.Act']);
        expect(consoleAccess('easyAuth', header, 'act')).toEqual({
            kind: 'allowed',
            user: { name: 'Bo Finance', canRead: true, canAct: true },
        });
    });

    it('refuses a signed-in user without either role, and reads roles under the principal role_typ', () => {
        expect(consoleAccess('easyAuth', principal('Cy', ['Other.Role']), 'read')).toMatchObject({ status: 403 });
        const custom = Buffer.from(
            JSON.stringify({
                role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
                claims: [{ typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Console.Read' }],
            }),
        ).toString('base64');
        expect(consoleAccess('easyAuth', custom, 'read')).toMatchObject({ kind: 'allowed' });
    });
});
