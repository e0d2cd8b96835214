import { z } from 'zod';
import { loadConfigFile } from './configFile';

/** A .NET TimeSpan as host.json writes it, with optional fractions of a second (`00:00:00.500`). */
const timeSpan = z.string().regex(/^\d{2}:\d{2}:\d{2}(\.\d{1,7})?$/, 'hh:mm:ss[.fffffff]');

const hostSchema = z.object({
    functionTimeout: timeSpan,
    extensions: z.object({
        serviceBus: z.object({
            autoCompleteMessages: z.literal(true),
            maxAutoLockRenewalDuration: timeSpan,
            maxConcurrentSessions: z.number().int().positive(),
            sessionIdleTimeout: timeSpan,
        }),
    }),
});

export interface SessionTriggerSettings {
    maxConcurrentSessions: number;
    sessionIdleTimeoutMs: number;
    maxAutoLockRenewalMs: number;
    functionTimeoutMs: number;
}

/**
 * host.json as the app needs it: the session trigger's settings (the local host runs its session pump on them) and
 * the limits a session handler's work must fit in (lock renewal, function timeout). Read once at start-up, so the
 * values live in one place.
 */
export function loadSessionTriggerSettings(path = 'host.json'): SessionTriggerSettings {
    const host = loadConfigFile(path, hostSchema);
    const sb = host.extensions.serviceBus;
    return {
        maxConcurrentSessions: sb.maxConcurrentSessions,
        sessionIdleTimeoutMs: timeSpanMs(sb.sessionIdleTimeout),
        maxAutoLockRenewalMs: timeSpanMs(sb.maxAutoLockRenewalDuration),
        functionTimeoutMs: timeSpanMs(host.functionTimeout),
    };
}

function timeSpanMs(value: string): number {
    const [h, m, s] = value.split(':').map(Number);
    return Math.round((((h ?? 0) * 60 + (m ?? 0)) * 60 + (s ?? 0)) * 1000);
}
