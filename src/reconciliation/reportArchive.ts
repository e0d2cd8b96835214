import type { BlobStore } from '../ports/blobStore';
import type { ReconciliationReport } from './reconciliationReport';
import { reportCsv, reportMarkdown } from './reportFormats';

export const reportFiles = { json: 'report.json', markdown: 'report.md', csv: 'lines.csv' } as const;
export type ReportFormat = keyof typeof reportFiles;

/** What the list shows of a stored report, without its lines. */
export interface StoredReportEntry {
    id: string;
    period: string;
    project: string | null;
    generatedAt: string;
    balanced: boolean;
    findings: number;
    /** Blob paths in the reconciliation container. */
    files: Record<ReportFormat, string>;
}

const contentTypes: Record<ReportFormat, string> = {
    json: 'application/json',
    markdown: 'text/markdown; charset=utf-8',
    csv: 'text/csv; charset=utf-8',
};

/**
 * Reconciliation reports in their own private Blob container, one folder per run: `<period>/<id>/report.json`,
 * `report.md` (readable) and `lines.csv` (the record-level lines). Runs are never overwritten.
 */
export class ReportArchive {
    constructor(readonly blobs: BlobStore) {}

    async save(report: ReconciliationReport): Promise<StoredReportEntry> {
        const files = filesOf(report);
        // JSON last: a run is listed only once all three files are there.
        await this.blobs.put(files.markdown, contentTypes.markdown, reportMarkdown(report));
        await this.blobs.put(files.csv, contentTypes.csv, reportCsv(report));
        await this.blobs.put(files.json, contentTypes.json, `${JSON.stringify(report, null, 2)}\n`);
        return entryOf(report);
    }

    /** Every stored run, newest first (optionally one period's). */
    async list(period?: string): Promise<StoredReportEntry[]> {
        const paths = (await this.blobs.list(period ? `${period}/` : '')).filter((p) =>
            p.endsWith(`/${reportFiles.json}`),
        );
        const reports = await Promise.all(paths.map((p) => this.#read(p)));
        return reports
            .filter((r): r is ReconciliationReport => r !== undefined)
            .map(entryOf)
            .sort((a, b) => b.generatedAt.localeCompare(a.generatedAt));
    }

    /** The newest run for a period (and project, when given), whole. */
    async latest(period: string, project?: string): Promise<ReconciliationReport | undefined> {
        const entry = (await this.list(period)).find((e) => project === undefined || e.project === project);
        return entry ? this.#read(entry.files.json) : undefined;
    }

    /** One stored file of a run, as text. */
    async file(
        report: ReconciliationReport,
        format: ReportFormat,
    ): Promise<{ contentType: string; text: string } | undefined> {
        const text = await this.blobs.read(filesOf(report)[format]);
        return text === undefined ? undefined : { contentType: contentTypes[format], text };
    }

    async #read(path: string): Promise<ReconciliationReport | undefined> {
        const text = await this.blobs.read(path);
        return text === undefined ? undefined : (JSON.parse(text) as ReconciliationReport);
    }
}

function filesOf(report: Pick<ReconciliationReport, 'period' | 'id'>): Record<ReportFormat, string> {
    const folder = `${report.period}/${report.id}`;
    return {
        json: `${folder}/${reportFiles.json}`,
        markdown: `${folder}/${reportFiles.markdown}`,
        csv: `${folder}/${reportFiles.csv}`,
    };
}

function entryOf(report: ReconciliationReport): StoredReportEntry {
    return {
        id: report.id,
        period: report.period,
        project: report.project,
        generatedAt: report.generatedAt,
        balanced: report.balanced,
        findings: report.findings.length,
        files: filesOf(report),
    };
}
