import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Parameter = { type: string; oAuthSettings?: Record<string, unknown>; uiDefinition?: Record<string, unknown> };
const properties = (
    JSON.parse(readFileSync('connector/apiProperties.json', 'utf8')) as {
        properties: {
            connectionParameters: Record<string, Parameter>;
            iconBrandColor: string;
            policyTemplateInstances: Array<{ templateId: string; parameters: Record<string, string> }>;
            publisher: string;
            stackOwner: string;
        };
    }
).properties;

describe('connector/apiProperties.json', () => {
    it('signs in with Entra ID against the Function app registration (aad OAuth): the token says who acts', () => {
        const token = properties.connectionParameters.token;
        expect(token?.type).toBe('oauthSetting');
        expect(token?.oAuthSettings).toMatchObject({
            identityProvider: 'aad',
            redirectUrl: 'https://global.consent.azure-apim.net/redirect',
            customParameters: { resourceUri: { value: expect.stringMatching(/^api:\/\//) } },
        });
    });

    it('takes only the host per connection: no function key, which would open the app without a user', () => {
        expect(Object.keys(properties.connectionParameters).sort()).toEqual(
            ['functionAppHost', 'token', 'token:TenantId'].sort(),
        );
        expect(properties.connectionParameters.functionAppHost?.type).toBe('string');
        expect(JSON.stringify(properties)).not.toMatch(/functions-key|functionKey|securestring/i);
    });

    it('routes each connection to its own app, using only parameters that exist, and adds no header of its own', () => {
        const templates = Object.fromEntries(
            properties.policyTemplateInstances.map((p) => [p.templateId, p.parameters]),
        );
        expect(Object.keys(templates)).toEqual(['dynamichosturl']);
        expect(templates.dynamichosturl?.['x-ms-apimTemplateParameter.urlTemplate']).toBe(
            "https://@connectionParameters('functionAppHost')/api",
        );
        const used = JSON.stringify(properties.policyTemplateInstances).matchAll(/connectionParameters\('(\w+)'\)/g);
        for (const [, name] of used) expect(Object.keys(properties.connectionParameters)).toContain(name);
    });

    it('has a brand color Power Platform accepts (not white, not its default blue) and names the publisher', () => {
        expect(properties.iconBrandColor).toMatch(/^#[0-9a-f]{6}$/);
        expect(['#ffffff', '#007ee5']).not.toContain(properties.iconBrandColor);
        expect(properties.publisher).not.toBe('');
        expect(properties.stackOwner).not.toBe('');
    });
});
