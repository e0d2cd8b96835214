import { ConfigError } from '../../src/config/configError';

/** Key Vault's DNS suffixes (public, China, US Government): a secret URI elsewhere is refused before any token is sent. */
const vaultHosts = /^[a-z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)$/i;

/**
 * A Key Vault secret identifier as App Service Key Vault references write it:
 * `https://<vault>.vault.azure.net/secrets/<name>[/<version>]`. Returns the URL to read and the token scope.
 */
export function keyVaultSecretUrl(secretUri: string): { url: string; scope: string } {
    let url: URL;
    try {
        url = new URL(secretUri);
    } catch {
        throw new ConfigError('--secret-keyvault', `'${secretUri}' is not a URL`);
    }
    if (
        url.protocol !== 'https:' ||
        !vaultHosts.test(url.hostname) ||
        !/^\/secrets\/[\w-]+(\/[\w-]+)?\/?$/.test(url.pathname)
    ) {
        throw new ConfigError(
            '--secret-keyvault',
            'expected https://<vault>.vault.azure.net/secrets/<name>[/<version>]',
        );
    }
    const suffix = url.hostname.slice(url.hostname.indexOf('.') + 1);
    return { url: `${url.origin}${url.pathname.replace(/\/$/, '')}`, scope: `https://${suffix}/.default` };
}

/**
 * Reads one secret through Key Vault's REST API (`GET …/secrets/<name>?api-version=7.4`) with the caller's
 * identity token: one call does not justify @azure/keyvault-secrets. The value is returned, never printed;
 * errors name the vault and the role to grant, not the value.
 */
export async function readKeyVaultSecret(url: string, token: string, timeoutMs = 15_000): Promise<string> {
    let response: Response;
    try {
        response = await fetch(`${url}?api-version=7.4`, {
            headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
            signal: AbortSignal.timeout(timeoutMs),
        });
    } catch (e) {
        throw new ConfigError(url, `Key Vault did not answer (${e instanceof Error ? e.message : String(e)})`);
    }
    if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        throw new ConfigError(
            url,
            `Key Vault refused the read (${response.status}): give the signed-in identity the 'Key Vault Secrets User' role on the vault`,
        );
    }
    if (response.status === 404) {
        await response.body?.cancel();
        throw new ConfigError(url, 'no such secret (or version) in the vault');
    }
    if (!response.ok) {
        await response.body?.cancel();
        throw new ConfigError(url, `Key Vault answered ${response.status}`);
    }
    const body = (await response.json().catch(() => ({}))) as { value?: unknown };
    if (typeof body.value !== 'string' || body.value === '') throw new ConfigError(url, 'the secret has no value');
    return body.value;
}
