import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { type DesiredRegistration, desiredRegistration } from '../../src/registration/desiredRegistration';
import { type ActualRegistration, planRegistration } from '../../src/registration/registrationPlan';

const map = loadConfigFile('config/entity-map.v1.json', entityMapSchema);
const desired = desiredRegistration(map, {
    url: 'https://app.example/api/dataverse/events',
    auth: { type: 'webhookKey' },
});
const endpointId = '00000000-0000-4000-8000-0000000000e1';
const options = { rotateSecret: false, secretAvailable: true, missingTables: new Set<string>() };

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** What Dataverse holds after a complete, correct registration of `want`. */
function matching(want: DesiredRegistration): ActualRegistration {
    const messages = ['Create', 'Update', 'Delete'].map((name, i) => ({ id: id(100 + i), name }));
    const filters = want.steps.map((s, i) => ({
        id: id(200 + i),
        messageId: messages.find((m) => m.name === s.message)?.id ?? '',
        primaryobjecttypecode: s.table,
    }));
    const steps = want.steps.map((s, i) => ({
        id: id(300 + i),
        name: s.name,
        eventHandlerId: endpointId,
        messageId: filters[i]?.messageId ?? null,
        filterId: filters[i]?.id ?? null,
        mode: 1,
        stage: 40,
        rank: 1,
        supporteddeployment: 0,
        asyncautodelete: true,
        filteringattributes: s.filteringattributes?.join(',') ?? null,
        statecode: 0,
    }));
    const images = want.steps.flatMap((s, i) =>
        s.images.map((image, j) => ({
            id: id(400 + i * 10 + j),
            stepId: id(300 + i),
            name: image.name,
            entityalias: image.entityalias,
            imagetype: image.imagetype,
            messagepropertyname: 'Target',
            attributes: image.attributes.join(','),
        })),
    );
    const endpoints = [
        {
            id: endpointId,
            name: 'crm-erp-integration',
            contract: 8,
            url: want.endpoint.url,
            authtype: 4,
            isauthvalueset: true,
        },
    ];
    return { endpoints, messages, filters, steps, images };
}

describe('planning the registration', () => {
    it('plans 0 changes when Dataverse matches the map, whatever the order of the column lists', () => {
        const actual = matching(desired);
        for (const step of actual.steps)
            step.filteringattributes = step.filteringattributes?.split(',').reverse().join(',') ?? null;
        const plan = planRegistration(desired, actual, options);
        expect(plan.changes).toBe(0);
        expect(plan.findings).toEqual([]);
    });

    it('updates a step and its images when the map gained a column (drift)', () => {
        const actual = matching(desired);
        const stale = actual.steps.find((s) => s.name === 'crm-erp-integration: Update of contact');
        if (!stale) throw new Error('no contact update step');
        stale.filteringattributes = 'firstname,lastname';
        for (const image of actual.images.filter((i) => i.stepId === stale.id)) image.attributes = 'firstname,lastname';
        const plan = planRegistration(desired, actual, options);
        const step = plan.steps.find((s) => s.id === stale.id);
        expect(step?.action).toBe('update');
        expect(step?.changes).toEqual([
            {
                field: 'filteringattributes',
                from: 'firstname,lastname',
                to: 'firstname,lastname,emailaddress1,mobilephone,re_nationalid',
            },
        ]);
        expect(step?.images.map((i) => i.action)).toEqual(['update', 'update']);
        expect(plan.changes).toBe(3);
    });

    it('enables a disabled step, and deletes a duplicate and a step whose table left the map', () => {
        const actual = matching(desired);
        const first = actual.steps[0];
        if (!first) throw new Error('no step');
        first.statecode = 1;
        actual.steps.push({ ...first, id: id(900), statecode: 0 });
        actual.steps.push({ ...first, id: id(901), name: 'crm-erp-integration: Update of re_parking' });
        const plan = planRegistration(desired, actual, options);
        expect(plan.steps.find((s) => s.id === first.id)?.changes).toEqual([
            { field: 'statecode', from: 'Disabled', to: 'Enabled' },
        ]);
        expect(plan.steps.filter((s) => s.action === 'delete').map((s) => [s.id, s.reason])).toEqual([
            [id(900), 'a duplicate of the step above'],
            [id(901), 'no longer in the entity map'],
        ]);
        expect(plan.changes).toBe(3);
    });

    it('leaves a foreign step on the endpoint alone and says so', () => {
        const actual = matching(desired);
        actual.steps.push({
            ...(actual.steps[0] as (typeof actual.steps)[number]),
            id: id(950),
            name: 'Audit export: Update of contact',
        });
        const plan = planRegistration(desired, actual, options);
        expect(plan.steps.some((s) => s.id === id(950))).toBe(false);
        expect(plan.findings.map((f) => [f.severity, f.code, f.where])).toEqual([
            ['warning', 'FOREIGN_STEP_ON_ENDPOINT', 'Audit export: Update of contact'],
        ]);
        expect(plan.changes).toBe(0);
    });

    it('sends the secret only when the endpoint is new, has none, changes auth type, or --rotate-secret', () => {
        const sends = (change: (a: ActualRegistration) => void, rotateSecret = false) => {
            const actual = matching(desired);
            change(actual);
            const plan = planRegistration(desired, actual, { ...options, rotateSecret });
            return [plan.endpoint.action, plan.endpoint.sendsSecret];
        };
        expect(sends(() => {})).toEqual(['unchanged', false]);
        expect(sends((a) => (a.endpoints = []))).toEqual(['create', true]);
        expect(sends((a) => ((a.endpoints[0] as { isauthvalueset: boolean }).isauthvalueset = false))).toEqual([
            'update',
            true,
        ]);
        expect(sends((a) => ((a.endpoints[0] as { authtype: number }).authtype = 5))).toEqual(['update', true]);
        expect(sends(() => {}, true)).toEqual(['update', true]);
        expect(
            sends((a) => ((a.endpoints[0] as { url: string }).url = 'https://old.example/api/dataverse/events')),
        ).toEqual(['update', false]);
    });

    it('refuses without the secret when one must be sent, and never shows it', () => {
        const actual = matching(desired);
        actual.endpoints = [];
        const plan = planRegistration(desired, actual, { ...options, secretAvailable: false });
        expect(plan.findings.map((f) => f.code)).toEqual(['SECRET_MISSING']);
        const rotated = planRegistration(desired, matching(desired), { ...options, rotateSecret: true });
        expect(rotated.endpoint.changes).toEqual([{ field: 'authvalue', from: '***', to: '***' }]);
    });

    it('reports a name clash with another endpoint and a table without a message filter as errors', () => {
        const actual = matching(desired);
        actual.endpoints.push({
            ...(actual.endpoints[0] as (typeof actual.endpoints)[number]),
            id: id(990),
            contract: 2,
        });
        actual.filters = actual.filters.filter((f) => f.primaryobjecttypecode !== 're_receipt');
        const plan = planRegistration(desired, actual, options);
        expect(plan.findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.where])).toEqual([
            ['ENDPOINT_CONFLICT', 'crm-erp-integration'],
            ['MESSAGE_FILTER_MISSING', 're_receipt'],
            ['MESSAGE_FILTER_MISSING', 're_receipt'],
        ]);
        expect(plan.steps.find((s) => s.name === 'crm-erp-integration: Create of re_receipt')?.reason).toBe(
            'no Create message filter for re_receipt',
        );
    });
});
