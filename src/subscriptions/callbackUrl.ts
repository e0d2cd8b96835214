import type { Result } from '../domain/result';
import { err, ok } from '../domain/result';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A callback URL we will POST transaction events to. HTTPS only: the body and the URL's signature must not travel in
 * clear. Plain HTTP is allowed on loopback only when the composition says so (the local runtime), never in Azure,
 * where a loopback URL would let a caller make the app call itself.
 */
export function checkCallbackUrl(raw: string, options: { allowLoopbackHttp: boolean }): Result<URL, string> {
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        return err('callbackUrl is not an absolute URL');
    }
    if (url.username || url.password) return err('callbackUrl must not carry user credentials');
    if (url.protocol === 'https:') return ok(url);
    if (url.protocol === 'http:' && options.allowLoopbackHttp && loopbackHosts.has(url.hostname)) return ok(url);
    return err(
        options.allowLoopbackHttp ? 'callbackUrl must be https (or http on localhost)' : 'callbackUrl must be https',
    );
}
