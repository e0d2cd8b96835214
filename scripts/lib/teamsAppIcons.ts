import { PNG } from 'pngjs';

/** The manifest's accent colour, as RGB. */
const accent = [0x1f, 0x5f, 0xad] as const;

type Paint = (x: number, y: number) => boolean;

/**
 * The glyph of both icons on a unit square: a bell (dome, rim and clapper), for "alerts". Drawn from shapes, not
 * from a file: nothing to fetch or keep in the repo, and the same bytes every time.
 */
function bell(x: number, y: number): boolean {
    const dome = (x - 0.5) ** 2 / 0.28 ** 2 + (y - 0.52) ** 2 / 0.34 ** 2 <= 1 && y <= 0.68 && y >= 0.18;
    const rim = y >= 0.66 && y <= 0.73 && Math.abs(x - 0.5) <= 0.34;
    const clapper = (x - 0.5) ** 2 + (y - 0.8) ** 2 <= 0.075 ** 2;
    const knob = (x - 0.5) ** 2 + (y - 0.17) ** 2 <= 0.05 ** 2;
    return dome || rim || clapper || knob;
}

function render(
    size: number,
    background: readonly [number, number, number] | undefined,
    glyph: Paint,
    inset: number,
): Buffer {
    const png = new PNG({ width: size, height: size, colorType: 6 });
    const span = size * (1 - 2 * inset);
    for (let py = 0; py < size; py++) {
        for (let px = 0; px < size; px++) {
            const i = (py * size + px) * 4;
            const u = (px + 0.5 - size * inset) / span;
            const v = (py + 0.5 - size * inset) / span;
            const on = u >= 0 && u <= 1 && v >= 0 && v <= 1 && glyph(u, v);
            const [r, g, b] = on ? [255, 255, 255] : (background ?? [255, 255, 255]);
            png.data[i] = r;
            png.data[i + 1] = g;
            png.data[i + 2] = b;
            png.data[i + 3] = on || background ? 255 : 0;
        }
    }
    return PNG.sync.write(png);
}

/**
 * Teams' two icons: `color.png` 192×192, a full-bleed accent background with the white glyph inside its safe area;
 * `outline.png` 32×32, the glyph in white on a transparent background (Teams requires white and transparent only).
 */
export function teamsAppIcons(): { color: Buffer; outline: Buffer } {
    return { color: render(192, accent, bell, 0.2), outline: render(32, undefined, bell, 0.03) };
}
