import { describe, expect, it } from 'vitest';
import { smokeAzure } from '../../scripts/lib/azureSmoke';
import { environmentsDirectory, loadEnvironmentConfig } from '../../src/smoke/environmentConfig';

describe('npm run smoke -- --env <configured environment>', () => {
    it.skip('passes against a real environment (needs Azure, a signed-in identity with the data roles, and the ERP/CRM test tenants)', () => {});

    it('without an Azure credential, says so once and how to sign in, instead of failing eight checks', async () => {
        const config = loadEnvironmentConfig('test', environmentsDirectory());
        const saved = { ...process.env };
        for (const k of Object.keys(process.env)) if (k.startsWith('AZURE_')) delete process.env[k];
        try {
            // The real DefaultAzureCredential: on this machine no credential is available.
            await expect(smokeAzure('test', config, { timeoutMs: 5000 })).rejects.toThrow(
                /^environment 'test': no Azure credential\. Sign in with `az login` or `azd auth login`.*DefaultAzureCredential: /,
            );
        } finally {
            process.env = saved;
        }
    }, 60_000);
});
