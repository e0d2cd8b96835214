import type { HttpRegistration } from '../registrations';

/** The APIs the console may call on the user's behalf (never intake, health, or the console itself). */
const consoleApis = new Set([
    'transactions',
    'review',
    'conditions',
    'meter',
    'stats',
    'notices',
    'alerts',
    'summary',
    'reconciliations',
    'backups',
]);

export interface RouteMatch {
    registration: HttpRegistration;
    params: Record<string, string>;
}

/**
 * The registered HTTP function behind a console API path (`review/{id}/retry` → review-action), matched the way the
 * Functions host matches routes. Undefined when the path is not one the console may call, or nothing serves it
 * (e.g. notices before that capability is deployed): the page shows "not available".
 */
export function matchConsoleApi(
    registrations: readonly HttpRegistration[],
    path: string,
    method: string,
): RouteMatch | undefined {
    const segments = path.split('/').filter((s) => s.length > 0);
    if (!consoleApis.has(segments[0] ?? '')) return undefined;
    for (const registration of registrations) {
        // Only operator APIs: they check the caller's role themselves.
        if (registration.access !== 'read' && registration.access !== 'act') continue;
        if (!(registration.methods as string[]).includes(method)) continue;
        const route = registration.route.split('/');
        if (route.length !== segments.length) continue;
        const params: Record<string, string> = {};
        const matches = route.every((part, i) => {
            const segment = segments[i] ?? '';
            const name = /^\{(\w+)\}$/.exec(part)?.[1];
            if (name) params[name] = segment;
            return name !== undefined || part === segment;
        });
        if (matches) return { registration, params };
    }
    return undefined;
}
