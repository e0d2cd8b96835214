import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every TypeScript file under a folder, for tests that hold the source tree to a rule. */
export function sourceFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
    });
}

/** The modules a file imports: static, side-effect, type-only, dynamic and require() alike. */
export function importedModules(text: string): string[] {
    const specifiers = /\b(?:from\s*|import\s*\(?\s*|require\s*\(\s*)['"]([^'"]+)['"]/g;
    return [...text.matchAll(specifiers)].map((m) => m[1] ?? '');
}
