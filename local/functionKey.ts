import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The local function key: generated once (like the Functions host's default key) and kept in the state directory. */
export function ensureFunctionKey(path: string): { key: string; created: boolean } {
    if (existsSync(path)) return { key: readFileSync(path, 'utf8').trim(), created: false };
    mkdirSync(dirname(path), { recursive: true });
    const key = randomBytes(24).toString('base64url');
    writeFileSync(path, `${key}\n`, { mode: 0o600 });
    return { key, created: true };
}
