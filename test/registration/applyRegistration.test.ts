import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { applyRegistration } from '../../src/registration/applyRegistration';
import { desiredRegistration } from '../../src/registration/desiredRegistration';
import { planRegistration } from '../../src/registration/registrationPlan';
import type { RegistrationWriter } from '../../src/registration/registrationPort';

const map = loadConfigFile('config/entity-map.v1.json', entityMapSchema);
const desired = desiredRegistration(map, {
    url: 'https://app.example/api/dataverse/events',
    auth: { type: 'webhookKey' },
});
const options = { rotateSecret: false, secretAvailable: true, missingTables: new Set<string>() };
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Records every call; `failOn` makes the named call throw like a refused Web API request. */
function recorder(failOn?: string) {
    const calls: [string, unknown][] = [];
    let next = 1;
    const record =
        (name: string) =>
        async (...args: unknown[]) => {
            calls.push([name, args.length === 1 ? args[0] : args]);
            if (name === failOn) throw new Error('POST sdkmessageprocessingsteps answered 400: refused');
            return id(next++);
        };
    const writer = {
        createServiceEndpoint: record('createServiceEndpoint'),
        updateServiceEndpoint: record('updateServiceEndpoint'),
        createStep: record('createStep'),
        updateStep: record('updateStep'),
        deleteStep: record('deleteStep'),
        createImage: record('createImage'),
        updateImage: record('updateImage'),
        deleteImage: record('deleteImage'),
    } as unknown as RegistrationWriter;
    return { writer, calls };
}

const messages = ['Create', 'Update', 'Delete'].map((name, i) => ({ id: id(100 + i), name }));
const filters = desired.steps.map((s, i) => ({
    id: id(200 + i),
    messageId: messages.find((m) => m.name === s.message)?.id ?? '',
    primaryobjecttypecode: s.table,
}));
const empty = { endpoints: [], messages, filters, steps: [], images: [] };

describe('applying the plan', () => {
    it('creates the endpoint first and points every new step at it, with the secret only on the endpoint', async () => {
        const { writer, calls } = recorder();
        const outcome = await applyRegistration(planRegistration(desired, empty, options), writer, 'the-key');
        expect(outcome.kind).toBe('applied');
        expect(calls[0]).toEqual([
            'createServiceEndpoint',
            expect.objectContaining({ authvalue: 'the-key', contract: 8 }),
        ]);
        const steps = calls
            .filter(([name]) => name === 'createStep')
            .map(([, body]) => body as { eventHandlerId: string });
        expect(new Set(steps.map((s) => s.eventHandlerId))).toEqual(new Set([id(1)]));
        expect(JSON.stringify(calls.slice(1))).not.toContain('the-key');
    });

    it('sends only the columns that differ when updating, and deletes last', async () => {
        const stepId = id(300);
        const stale = {
            id: stepId,
            name: 'crm-erp-integration: Update of contact',
            eventHandlerId: id(1),
            messageId: id(101),
            filterId: filters[1]?.id ?? '',
            mode: 1,
            stage: 40,
            rank: 1,
            supporteddeployment: 0,
            asyncautodelete: true,
            filteringattributes: 'firstname',
            statecode: 1,
        };
        const steps = [
            stale,
            { ...stale, id: id(301), name: 'crm-erp-integration: Update of re_parking', statecode: 0 },
        ];
        const endpoints = [
            {
                id: id(1),
                name: 'crm-erp-integration',
                contract: 8,
                url: desired.endpoint.url,
                authtype: 4,
                isauthvalueset: true,
            },
        ];
        const plan = planRegistration(desired, { ...empty, endpoints, steps }, options);
        const { writer, calls } = recorder();
        await applyRegistration(plan, writer, 'the-key');
        expect(calls.find(([name]) => name === 'updateStep')).toEqual([
            'updateStep',
            [
                stepId,
                {
                    filteringattributes: 'firstname,lastname,emailaddress1,mobilephone,re_nationalid',
                    statecode: 0,
                    statuscode: 1,
                },
            ],
        ]);
        expect(calls.some(([name]) => name.endsWith('ServiceEndpoint'))).toBe(false);
        expect(calls.at(-1)).toEqual(['deleteStep', id(301)]);
    });

    it('changes nothing when the pre-flight found an error', async () => {
        const { writer, calls } = recorder();
        const plan = planRegistration(desired, empty, { ...options, secretAvailable: false });
        expect(await applyRegistration(plan, writer, undefined)).toEqual({ kind: 'refused', applied: [] });
        expect(calls).toEqual([]);
    });

    it('stops at the refused change and reports what was applied before it', async () => {
        const { writer, calls } = recorder('createStep');
        const outcome = await applyRegistration(planRegistration(desired, empty, options), writer, 'the-key');
        expect(outcome).toEqual({
            kind: 'failed',
            applied: [{ kind: 'endpoint', action: 'create', name: 'crm-erp-integration', id: id(1) }],
            failed: {
                kind: 'step',
                name: 'crm-erp-integration: Create of contact',
                reason: 'POST sdkmessageprocessingsteps answered 400: refused',
            },
        });
        expect(calls).toHaveLength(2);
    });
});
