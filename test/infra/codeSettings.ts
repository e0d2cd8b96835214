import { buildRegistrations } from '../../functions/registrations';
import type { ServicesProvider } from '../../functions/services';
import { settingsSchema } from '../../src/config/settings';

/** What the code reads, derived from the code itself so that a new setting shows up here without editing a list. */
export interface CodeSettings {
    /** Keys of the zod settings schema (src/config/settings.ts). */
    schemaKeys: string[];
    /** App settings named by the registrations: timer schedules and queue names (`%NAME%` bindings). */
    bindingSettings: { function: string; setting: string; kind: 'schedule' | 'queueName' }[];
    /** Identity-based connection prefixes of the triggers (`connection: 'ServiceBusConnection'`). */
    connections: string[];
}

export function readCodeSettings(): CodeSettings {
    const unused: ServicesProvider = () => Promise.reject(new Error('not used: only the registration list is read'));
    const registrations = [
        ...buildRegistrations(unused, 'functionKey'),
        ...buildRegistrations(unused, 'header'),
    ] as unknown as Record<string, unknown>[];
    const bindingSettings: CodeSettings['bindingSettings'] = [];
    const connections = new Set<string>();
    for (const r of registrations) {
        const name = String(r.name);
        if (typeof r.scheduleSetting === 'string') {
            bindingSettings.push({ function: name, setting: r.scheduleSetting, kind: 'schedule' });
        }
        if (typeof r.queueNameSetting === 'string') {
            bindingSettings.push({ function: name, setting: r.queueNameSetting, kind: 'queueName' });
        }
        if (typeof r.connection === 'string') connections.add(r.connection);
    }
    const unique = new Map(bindingSettings.map((b) => [`${b.function}/${b.setting}`, b]));
    return {
        schemaKeys: Object.keys(settingsSchema.shape),
        bindingSettings: [...unique.values()],
        connections: [...connections],
    };
}

/** Whether the schema lets a key be absent (optional or defaulted). */
export function isOptionalSetting(key: string): boolean {
    const field = (settingsSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[key];
    return field?.safeParse(undefined).success ?? false;
}

export function parsesAs(key: string, value: string): { success: boolean; error?: unknown } {
    const field = (
        settingsSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; error?: unknown } }>
    )[key];
    if (!field) return { success: false, error: `no such setting ${key}` };
    return field.safeParse(value);
}
