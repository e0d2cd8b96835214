import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Folders allowed to talk to Azure SDKs or the Graph client: the adapters that implement ports. */
const adapterFolders = ['src/adapters/azure/', 'src/adapters/graph/'];

function sourceFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
    });
}

describe('the core is Azure-free', () => {
    const files = sourceFiles('src').map((f) => relative('.', f));

    it('finds the source tree', () => {
        expect(files).toContain('src/core/intake.ts');
    });

    it('imports @azure/* and @microsoft/* only inside adapter folders', () => {
        const offenders = files
            .filter((f) => !adapterFolders.some((folder) => f.startsWith(folder)))
            .filter((f) => /from ['"]@(azure|microsoft)\//.test(readFileSync(f, 'utf8')));
        expect(offenders).toEqual([]);
    });
});
