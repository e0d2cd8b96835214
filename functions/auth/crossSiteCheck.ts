import type { HttpRequest } from '@azure/functions';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The header the console page sends on every action; a foreign page cannot send it without a CORS preflight. */
export const consoleRequestHeader = 'x-console-csrf';

/**
 * Why a state-changing request must be refused as cross-site (CSRF), or undefined when it may go on.
 *
 * Easy Auth's session cookie is sent with any request the signed-in browser makes to the app, whichever page
 * started it, so a foreign page could otherwise make an operator's browser act. Browsers say where a request comes
 * from: `Sec-Fetch-Site` (every current browser), else `Origin` (sent with every cross-origin POST). Only same-origin
 * is accepted. A request with neither is not from a browser (the connector, a script with a bearer token): it carries
 * no ambient credentials to forge with, and goes on.
 */
export function crossSiteRefusal(request: Pick<HttpRequest, 'method' | 'headers'>): string | undefined {
    const method = request.method.toUpperCase();
    if (safeMethods.has(method)) return undefined;
    const site = request.headers.get('sec-fetch-site');
    if (site !== null) {
        return site === 'same-origin'
            ? undefined
            : `a ${method} from another site (Sec-Fetch-Site: ${site}) is refused`;
    }
    const origin = request.headers.get('origin');
    if (origin === null) return undefined;
    const host = request.headers.get('host');
    return host !== null && originHost(origin) === host.toLowerCase()
        ? undefined
        : `a ${method} from another origin (${origin}) is refused`;
}

/** The console's actions also need its own header: a second, independent reason a forged request fails. */
export function consoleRequestRefusal(request: Pick<HttpRequest, 'method' | 'headers'>): string | undefined {
    if (safeMethods.has(request.method.toUpperCase())) return undefined;
    if (request.headers.get(consoleRequestHeader) !== '1') return `the console sends ${consoleRequestHeader}: 1`;
    return crossSiteRefusal(request);
}

function originHost(origin: string): string | undefined {
    try {
        return new URL(origin).host.toLowerCase();
    } catch {
        return undefined; // `null` (sandboxed frames, some redirects) is no origin of ours
    }
}
