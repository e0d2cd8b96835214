import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { LegacyDataSet } from './generateLegacyData';

/** Writes the data set as CSV files (with headers) and `manifest.json` (the planted defects) into `folder`. */
export function writeLegacyData(folder: string, data: LegacyDataSet): void {
    mkdirSync(folder, { recursive: true });
    for (const file of data.files) {
        writeFileSync(join(folder, file.name), stringify([[...file.columns], ...file.rows]));
    }
    writeFileSync(join(folder, 'manifest.json'), `${JSON.stringify(data.manifest, null, 2)}\n`);
}
