import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importedModules, sourceFiles } from '../support/sourceFiles';

/**
 * What `npm run build` compiles is what ships (functions, local runtime, CLIs). Test tooling (tools/, test/) stays
 * out: tsc compiles whatever a shipped file imports, so one import would carry it into dist/.
 */
const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[] };
const tooling = ['tools', 'test'];

describe('the shipped build holds no test tooling', () => {
    it('compiles none of the tooling folders', () => {
        expect(build.include).toContain('src');
        expect(build.include.filter((folder) => tooling.includes(folder))).toEqual([]);
    });

    it('imports nothing from them', () => {
        const shipped = build.include.filter((entry) => !entry.includes('.')).flatMap((folder) => sourceFiles(folder));
        expect(shipped).toContain('src/core/intake.ts');
        const offenders = shipped.flatMap((file) =>
            importedModules(readFileSync(file, 'utf8'))
                .filter((m) => m.startsWith('.'))
                .map((m) => relative('.', resolve(dirname(file), m)))
                .filter((target) => tooling.some((folder) => target.startsWith(`${folder}/`)))
                .map((target) => `${file} imports ${target}`),
        );
        expect(offenders).toEqual([]);
    });
});
