import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { z } from 'zod';
import { ConfigError } from '../../src/config/configError';
import { teamsAppIcons } from './teamsAppIcons';

export const manifestTemplatePath = 'teams/manifest.template.json';

const inputsSchema = z.object({
    /** The Teams app's Entra registration (azd output TEAMS_APP_CLIENT_ID): the app id and webApplicationInfo.id. */
    clientId: z.uuid('the Teams app registration client id (a GUID): azd env get-value TEAMS_APP_CLIENT_ID'),
    /** Raised for every change an admin uploads again (Teams refuses an update with the same version). */
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'major.minor.patch, e.g. 1.0.0'),
});

export type PackageInputs = z.infer<typeof inputsSchema>;

/** What Teams checks in the manifest before it accepts the package; a template edit that breaks one stops here. */
const manifestSchema = z.looseObject({
    manifestVersion: z.string(),
    version: z.string(),
    id: z.uuid(),
    name: z.object({ short: z.string().min(1).max(30), full: z.string().min(1).max(100) }),
    description: z.object({ short: z.string().min(1).max(80), full: z.string().min(1).max(4000) }),
    developer: z.object({ name: z.string().min(1), websiteUrl: z.url(), privacyUrl: z.url(), termsOfUseUrl: z.url() }),
    icons: z.object({ color: z.literal('color.png'), outline: z.literal('outline.png') }),
    accentColor: z.string().regex(/^#[0-9A-Fa-f]{6}$/),
    webApplicationInfo: z.object({ id: z.uuid(), resource: z.string().min(1) }),
    authorization: z.object({
        permissions: z.object({
            resourceSpecific: z
                .array(z.object({ name: z.string(), type: z.enum(['Application', 'Delegated']) }))
                .refine((p) => p.some((x) => x.name === 'ChannelMessage.Send.Group' && x.type === 'Application'), {
                    message: 'must grant ChannelMessage.Send.Group (Application): the app posts as itself',
                }),
        }),
    }),
});

// Fixed entry times make the same inputs give the same bytes (a package can be compared and re-built).
const fixedTime = new Date('2026-01-01T00:00:00Z');

/**
 * The Teams app package an admin uploads: a zip of manifest.json (the template with the registration's client id
 * and the version), color.png and outline.png, flat at the root as Teams requires. fflate is the zip library: small,
 * no dependencies, synchronous, with per-entry times.
 */
export function buildTeamsAppPackage(
    inputs: { clientId: string | undefined; version: string | undefined },
    templatePath = manifestTemplatePath,
): { zip: Uint8Array; manifest: Record<string, unknown> } {
    const parsed = inputsSchema.safeParse(inputs);
    if (!parsed.success) throw ConfigError.fromZod('npm run teams:package', parsed.error);
    const text = readFileSync(templatePath, 'utf8')
        .replaceAll('{{TEAMS_APP_CLIENT_ID}}', parsed.data.clientId)
        .replaceAll('{{VERSION}}', parsed.data.version);
    const leftover = /\{\{[A-Z_]+\}\}/.exec(text);
    if (leftover) throw new ConfigError(templatePath, `placeholder ${leftover[0]} has no value`);
    const manifest = manifestSchema.safeParse(JSON.parse(text));
    if (!manifest.success) throw ConfigError.fromZod(templatePath, manifest.error);
    const icons = teamsAppIcons();
    const zip = zipSync(
        {
            // The template's own text (and key order), checked above.
            'manifest.json': [Buffer.from(text), { mtime: fixedTime }],
            'color.png': [icons.color, { mtime: fixedTime }],
            'outline.png': [icons.outline, { mtime: fixedTime }],
        },
        { level: 9 },
    );
    return { zip, manifest: JSON.parse(text) as Record<string, unknown> };
}
