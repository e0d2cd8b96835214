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
    it('signs in with Entra ID against the Function app registration (aad OAuth)', () => {
        const token = properties.connectionParameters.token;
        expect(token?.type).toBe('oauthSetting');
        expect(token?.oAuthSettings).toMatchObject({
            identityProvider: 'aad',
            redirectUrl: 'https://global.consent.azure-apim.net/redirect',
            customParameters: { resourceUri: { value: expect.stringMatching(/^api:\/\//) } },
        });
    });

    it('takes the host and the function key per connection, the key as a secure string', () => {
        expect(properties.connectionParameters.functionAppHost?.type).toBe('string');
        expect(properties.connectionParameters.functionKey?.type).toBe('securestring');
    });

    it('routes each connection to its own app and sends its key, using only parameters that exist', () => {
        const templates = Object.fromEntries(
            properties.policyTemplateInstances.map((p) => [p.templateId, p.parameters]),
        );
        expect(templates.dynamichosturl?.['x-ms-apimTemplateParameter.urlTemplate']).toBe(
            "https://@connectionParameters('functionAppHost')/api",
        );
        expect(templates.setheader).toMatchObject({
            'x-ms-apimTemplateParameter.name': 'x-functions-key',
            'x-ms-apimTemplateParameter.value': "@connectionParameters('functionKey')",
        });
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
