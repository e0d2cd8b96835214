import { deflateSync } from 'node:zlib';
import { apiOperations } from './apiOperations';
import { connectorInfo } from './connectorInfo';
import { buildSwaggerDocument } from './swaggerDocument';

/** The generated files of connector/: the Swagger from the operation list and zod schemas, and the icon. */
export const swaggerPath = 'connector/apiDefinition.swagger.json';
export const iconPath = 'connector/icon.png';

export function renderSwagger(): string {
    return `${JSON.stringify(buildSwaggerDocument(apiOperations, connectorInfo), null, 4)}\n`;
}

/** The brand color (Power Platform refuses white and its default blue) with a white ledger mark: 230 × 230 RGB PNG. */
export function renderIcon(size = 230): Buffer {
    const brand = [0x1f, 0x5c, 0x4a];
    const rows: Buffer[] = [];
    for (let y = 0; y < size; y++) {
        const row = Buffer.alloc(1 + size * 3); // filter byte 0, then RGB
        for (let x = 0; x < size; x++) {
            const inMark = x >= 60 && x < 170 && y >= 55 && y < 175;
            const line = inMark && (y - 55) % 30 >= 20; // three bars across the sheet: a ledger
            const white = inMark && !line;
            const rgb = white ? [0xff, 0xff, 0xff] : brand;
            row.set(rgb, 1 + x * 3);
        }
        rows.push(row);
    }
    const chunk = (type: string, data: Buffer) => {
        const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(data.length);
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(body));
        return Buffer.concat([length, body, crc]);
    };
    const header = Buffer.alloc(13);
    header.writeUInt32BE(size, 0);
    header.writeUInt32BE(size, 4);
    header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, deflate, no filter, no interlace
    return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk('IHDR', header),
        chunk('IDAT', deflateSync(Buffer.concat(rows))),
        chunk('IEND', Buffer.alloc(0)),
    ]);
}

function crc32(data: Buffer): number {
    let crc = 0xffffffff;
    for (const byte of data) {
        crc ^= byte;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
    return (crc ^ 0xffffffff) >>> 0;
}
