import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { iconPath, renderIcon } from '../../functions/api/connectorFiles';

describe('connector/icon.png', () => {
    const png = readFileSync(iconPath);

    it('is the generated icon: a 230 × 230 RGB PNG', () => {
        expect(png.equals(renderIcon())).toBe(true);
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
        expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([230, 230, 8, 2]);
    });

    it('has an opaque, non-white background (a Power Platform icon rule)', () => {
        const dataStart = png.indexOf('IDAT') + 4;
        const length = png.readUInt32BE(dataStart - 8);
        const pixels = inflateSync(png.subarray(dataStart, dataStart + length));
        const corner = [...pixels.subarray(1, 4)];
        expect(corner).not.toEqual([255, 255, 255]);
        expect(corner).toEqual([0x1f, 0x5c, 0x4a]);
    });
});
