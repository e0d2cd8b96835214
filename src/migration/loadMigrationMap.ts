import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/configError';
import { type MigrationMap, migrationMapSchema } from './migrationMapSchema';

/** The migration map, validated (a bad map stops the run naming the file and path), and its exact text for hashing. */
export function loadMigrationMap(path: string): { map: MigrationMap; text: string } {
    let text: string;
    let raw: unknown;
    try {
        text = readFileSync(path, 'utf8');
        raw = JSON.parse(text);
    } catch (e) {
        throw new ConfigError(path, `cannot read JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    const parsed = migrationMapSchema.safeParse(raw);
    if (!parsed.success) throw ConfigError.fromZod(path, parsed.error);
    return { map: parsed.data, text };
}
