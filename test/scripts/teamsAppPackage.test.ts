import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { buildTeamsAppPackage, manifestTemplatePath } from '../../scripts/lib/teamsAppPackage';

const clientId = '2f9e8d7c-6b5a-4c3d-9e1f-0a2b3c4d5e6f';

function pixels(png: Uint8Array) {
    const image = PNG.sync.read(Buffer.from(png));
    const at = (x: number, y: number) =>
        Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
    return { width: image.width, height: image.height, at };
}

describe('npm run teams:package', () => {
    it('zips manifest.json, color.png and outline.png flat, with the registration as app id and RSC ChannelMessage.Send.Group', () => {
        const { zip } = buildTeamsAppPackage({ clientId, version: '1.2.3' });
        const files = unzipSync(zip);
        expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
        const manifest = JSON.parse(Buffer.from(files['manifest.json'] as Uint8Array).toString('utf8'));
        expect(manifest).toMatchObject({
            manifestVersion: '1.17',
            id: clientId,
            version: '1.2.3',
            icons: { color: 'color.png', outline: 'outline.png' },
            webApplicationInfo: { id: clientId },
            authorization: {
                permissions: { resourceSpecific: [{ name: 'ChannelMessage.Send.Group', type: 'Application' }] },
            },
        });
        expect(Object.keys(manifest)[0]).toBe('$schema');
    });

    it('draws a 192×192 opaque colour icon and a 32×32 outline that is white on transparent only', () => {
        const files = unzipSync(buildTeamsAppPackage({ clientId, version: '1.0.0' }).zip);
        const color = pixels(files['color.png'] as Uint8Array);
        expect([color.width, color.height]).toEqual([192, 192]);
        expect(color.at(0, 0)).toEqual([0x1f, 0x5f, 0xad, 255]);
        expect(color.at(96, 96)).toEqual([255, 255, 255, 255]);
        const outline = pixels(files['outline.png'] as Uint8Array);
        expect([outline.width, outline.height]).toEqual([32, 32]);
        let white = 0;
        for (let y = 0; y < 32; y++) {
            for (let x = 0; x < 32; x++) {
                const [r, g, b, a] = outline.at(x, y);
                if (a === 0) continue;
                expect([r, g, b, a], `outline pixel ${x},${y}`).toEqual([255, 255, 255, 255]);
                white++;
            }
        }
        expect(outline.at(0, 0)[3]).toBe(0);
        expect(white).toBeGreaterThan(100);
        expect(white).toBeLessThan(32 * 32 - 100);
    });

    it('gives the same bytes for the same inputs (a package can be rebuilt and compared)', () => {
        const a = buildTeamsAppPackage({ clientId, version: '1.0.0' }).zip;
        const b = buildTeamsAppPackage({ clientId, version: '1.0.0' }).zip;
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    });

    it('refuses a missing client id, a bad version, and a template that no longer grants the RSC permission', () => {
        expect(() => buildTeamsAppPackage({ clientId: undefined, version: '1.0.0' })).toThrow(
            /npm run teams:package: .*the Teams app registration client id \(a GUID\): azd env get-value TEAMS_APP_CLIENT_ID/s,
        );
        expect(() => buildTeamsAppPackage({ clientId, version: 'v1' })).toThrow(/major\.minor\.patch/);
        const dir = mkdtempSync(join(tmpdir(), 'teams-template-'));
        const template = JSON.parse(readFileSync(manifestTemplatePath, 'utf8'));
        template.authorization.permissions.resourceSpecific = [
            { name: 'ChannelMessage.Read.Group', type: 'Application' },
        ];
        const edited = join(dir, 'manifest.template.json');
        writeFileSync(edited, JSON.stringify(template));
        expect(() => buildTeamsAppPackage({ clientId, version: '1.0.0' }, edited)).toThrow(
            /must grant ChannelMessage\.Send\.Group \(Application\)/,
        );
    });
});
