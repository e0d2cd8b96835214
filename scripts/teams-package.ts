import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../src/config/configError';
import { buildTeamsAppPackage } from './lib/teamsAppPackage';

/**
 * npm run teams:package -- [--client-id <guid>] [--version 1.0.0] [--out teams/dist/integration-alerts.zip]
 * Writes the Teams app package (manifest.json, color.png, outline.png) for the Teams admin to upload. The client
 * id is the Teams app registration's (azd output TEAMS_APP_CLIENT_ID; default: that environment variable); the
 * version defaults to package.json's. See docs/notifications.md for the installation.
 */
function main(): void {
    const { values } = parseArgs({
        options: {
            'client-id': { type: 'string' },
            version: { type: 'string' },
            out: { type: 'string', default: 'teams/dist/integration-alerts.zip' },
        },
    });
    const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    const { zip, manifest } = buildTeamsAppPackage({
        clientId: values['client-id'] ?? process.env.TEAMS_APP_CLIENT_ID,
        version: values.version ?? packageVersion,
    });
    const out = values.out;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, zip);
    process.stdout.write(
        `Teams app package ${out} (${zip.length} bytes): app ${String(manifest.id)} version ${String(manifest.version)}, RSC ChannelMessage.Send.Group.\n` +
            'Next: a Teams admin uploads it (Teams admin center > Manage apps > Upload new app), then each owning team adds it (docs/notifications.md).\n',
    );
}

try {
    main();
} catch (e) {
    process.stderr.write(
        `${e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 2;
}
