import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importedModules, sourceFiles } from '../support/sourceFiles';

/** Folders allowed to talk to Azure SDKs or the Graph client: the adapters that implement ports. */
const adapterFolders = ['src/adapters/azure/', 'src/adapters/graph/'];
const azurePackage = /^@(azure|microsoft)\//;

describe('the core is Azure-free', () => {
    const files = sourceFiles('src').map((f) => relative('.', f));

    it('finds the source tree, and every way a file can import a package', () => {
        expect(files).toContain('src/core/intake.ts');
        const text = [
            "import { a } from '@azure/functions';",
            "import type { B } from '@azure/service-bus';",
            "import '@azure/monitor-opentelemetry';",
            "const c = await import('@azure/identity');",
            "const d = require('@microsoft/microsoft-graph-client');",
            "import { e } from '../ports/clock';",
        ].join('\n');
        expect(importedModules(text).filter((m) => azurePackage.test(m))).toEqual([
            '@azure/functions',
            '@azure/service-bus',
            '@azure/monitor-opentelemetry',
            '@azure/identity',
            '@microsoft/microsoft-graph-client',
        ]);
    });

    it('imports @azure/* and @microsoft/* only inside adapter folders', () => {
        const offenders = files
            .filter((f) => !adapterFolders.some((folder) => f.startsWith(folder)))
            .flatMap((f) =>
                importedModules(readFileSync(f, 'utf8'))
                    .filter((m) => azurePackage.test(m))
                    .map((m) => `${f}: ${m}`),
            );
        expect(offenders).toEqual([]);
    });
});
