import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from './configError';

/** Reads and validates a JSON configuration file once; any problem names the file and the bad path. */
export function loadConfigFile<S extends z.ZodType>(path: string, schema: S): z.infer<S> {
    let raw: unknown;
    try {
        raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
        throw new ConfigError(path, `cannot read JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw ConfigError.fromZod(path, parsed.error);
    return parsed.data;
}
