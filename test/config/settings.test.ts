import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/configError';
import { loadSettings } from '../../src/config/settings';
import { requiredSettings } from '../support/requiredSettings';

const required = requiredSettings;

function startUpError(env: Record<string, string>): string {
    try {
        loadSettings(env);
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
    }
    throw new Error('start-up was expected to fail');
}

describe('CONSOLE_AUTH=none is for loopback only', () => {
    it('stops start-up in Azure, naming the setting and the variable that shows it is Azure', () => {
        for (const azure of ['WEBSITE_SITE_NAME', 'WEBSITE_INSTANCE_ID']) {
            const message = startUpError({ ...required, CONSOLE_AUTH: 'none', [azure]: 'func-contoso-1' });
            expect(message).toContain('CONSOLE_AUTH=none is refused in Azure');
            expect(message).toContain(`${azure} is set`);
        }
    });

    it('starts locally with none (func start sets WEBSITE_HOSTNAME only), and in Azure with easyAuth', () => {
        expect(
            loadSettings({ ...required, CONSOLE_AUTH: 'none', WEBSITE_HOSTNAME: 'localhost:7071' }).CONSOLE_AUTH,
        ).toBe('none');
        expect(loadSettings({ ...required, WEBSITE_SITE_NAME: 'func-contoso-1' }).CONSOLE_AUTH).toBe('easyAuth');
    });
});

describe('webhook header secrets', () => {
    const header = { ...required, INTAKE_AUTH_MODE: 'header', WEBHOOK_HEADER_SECRET: 'a-header-secret-of-24-chars' };

    it('takes a next secret beside the current one for a rotation', () => {
        const settings = loadSettings({ ...header, WEBHOOK_HEADER_SECRET_NEXT: 'the-next-header-secret-of-32' });
        expect([settings.WEBHOOK_HEADER_SECRET, settings.WEBHOOK_HEADER_SECRET_NEXT]).toEqual([
            'a-header-secret-of-24-chars',
            'the-next-header-secret-of-32',
        ]);
    });

    it('refuses a Key Vault reference the platform could not resolve: it would become a secret anyone could send', () => {
        const unresolved = '@Microsoft.KeyVault(VaultName=kv-contoso;SecretName=webhook-header-secret-next)';
        const message = startUpError({ ...header, WEBHOOK_HEADER_SECRET_NEXT: unresolved });
        expect(message).toContain('WEBHOOK_HEADER_SECRET_NEXT');
        expect(message).toContain('unresolved Key Vault reference');
        expect(startUpError({ ...header, WEBHOOK_HEADER_SECRET: unresolved })).toContain('WEBHOOK_HEADER_SECRET');
    });

    it('refuses a short next secret, naming it', () => {
        expect(startUpError({ ...header, WEBHOOK_HEADER_SECRET_NEXT: 'short' })).toContain(
            'WEBHOOK_HEADER_SECRET_NEXT',
        );
    });
});
