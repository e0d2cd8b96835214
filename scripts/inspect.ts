import { readFileSync } from 'node:fs';
import { loadConfigFile } from '../src/config/configFile';
import { inspectDataverseEvent } from '../src/core/inspectEvent';
import { entityMapSchema } from '../src/mapping/entityMapSchema';

/**
 * npm run inspect -- <payload.json> [--header name:value ...]
 * Prints the normalised event and what the entity map makes of it. Enqueues nothing, reads nothing remote.
 */
function main(argv: string[]): number {
    const headers: Record<string, string> = {};
    let file: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i] ?? '';
        if (arg === '--header') {
            const [name, ...rest] = (argv[++i] ?? '').split(':');
            if (!name || rest.length === 0) return usage('--header needs name:value');
            headers[name.trim().toLowerCase()] = rest.join(':').trim();
        } else if (!file) file = arg;
        else return usage(`unexpected argument ${arg}`);
    }
    if (!file) return usage('missing the payload file');
    let body: string;
    try {
        body = readFileSync(file, 'utf8');
    } catch (e) {
        return usage(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const map = loadConfigFile(process.env.ENTITY_MAP_PATH ?? 'config/entity-map.v1.json', entityMapSchema);
    const result = inspectDataverseEvent(body, headers, map);
    if (!result.ok) {
        process.stderr.write(
            `${file}: ${result.error.code}${result.error.path ? ` at ${result.error.path}` : ''}: ${result.error.message}\n`,
        );
        return 1;
    }
    process.stdout.write(`${JSON.stringify({ file, event: result.event, map: result.map }, null, 2)}\n`);
    return 0;
}

function usage(problem: string): number {
    process.stderr.write(`inspect: ${problem}\nusage: npm run inspect -- <payload.json> [--header name:value ...]\n`);
    return 2;
}

process.exitCode = main(process.argv.slice(2));
