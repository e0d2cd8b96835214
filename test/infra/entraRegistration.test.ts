import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { operatorRoles } from '../../functions/auth/operatorAccess';
import { BicepProject } from '../../tools/infra/bicep/bicepProject';
import { valueAt } from '../../tools/infra/bicep/bicepValue';

/** infra/entra/app-registration.json: what docs/access.md PATCHes onto the Function app's app registration. */
const registration = JSON.parse(readFileSync('infra/entra/app-registration.json', 'utf8')) as {
    api: { requestedAccessTokenVersion: number; oauth2PermissionScopes: { id: string; value: string }[] };
    appRoles: { id: string; value: string; allowedMemberTypes: string[]; isEnabled: boolean }[];
    web: { implicitGrantSettings: { enableIdTokenIssuance: boolean } };
};
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the Function app registration (infra/entra/app-registration.json)', () => {
    it('defines exactly the app roles the code checks, enabled, for users, groups and applications', () => {
        expect(registration.appRoles.map((r) => r.value).sort()).toEqual(Object.values(operatorRoles).sort());
        for (const role of registration.appRoles) {
            expect(role.isEnabled, role.value).toBe(true);
            expect(role.allowedMemberTypes.sort(), role.value).toEqual(['Application', 'User']);
        }
    });

    it('asks for v2 access tokens, the ones App Service Authentication validates against the v2.0 issuer', () => {
        const project = BicepProject.load(process.cwd(), 'infra/main.bicep', 'infra/main.parameters.json');
        const [auth] = project
            .resources('Microsoft.Web/sites/config')
            .filter((c) => valueAt(c.body, ['name']) === 'authsettingsV2');
        const source = readFileSync('infra/app/functionApp.bicep', 'utf8');
        expect(auth?.deployed).toBe(true);
        expect(/openIdIssuer: '[^']*\/v2\.0'/.test(source)).toBe(true);
        expect(registration.api.requestedAccessTokenVersion).toBe(2);
    });

    it('exposes the delegated scope the connector asks for, and issues ID tokens for the console sign-in', () => {
        expect(registration.api.oauth2PermissionScopes.map((s) => s.value)).toEqual(['user_impersonation']);
        expect(registration.web.implicitGrantSettings.enableIdTokenIssuance).toBe(true);
    });

    it('gives every role and scope a fixed id, so applying the file again updates them instead of clashing', () => {
        const ids = [...registration.appRoles, ...registration.api.oauth2PermissionScopes].map((x) => x.id);
        for (const id of ids) expect(id).toMatch(guid);
        expect(new Set(ids).size).toBe(ids.length);
    });
});
