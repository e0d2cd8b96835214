import type { NormalizedAttributes } from '../../src/dataverse/normalizedEvent';
import type { CrmPage, CrmRow, CrmTableReader } from '../../src/ports/crmClient';

/**
 * A CrmTableReader over rows in memory, paging by a cursor like the Web API, with faults to steer: a count that
 * lies, a page served twice, a page that throws first.
 */
export class FakeTableReader implements CrmTableReader {
    readonly requests: Array<{ entity: string; pageSize: number; count: boolean; next?: string }> = [];
    /** Added to the true count (a row created or deleted while the export runs). */
    countSkew: Record<string, number[]> = {};
    /** Serve the row before the cursor again at the start of every later page. */
    repeatRow = new Set<string>();
    /** Throw these, one per request, before serving (entity → errors). */
    failures: Record<string, unknown[]> = {};
    countCapped = new Set<string>();

    constructor(readonly tables: Record<string, CrmRow[]>) {}

    static rows(attributes: NormalizedAttributes[], labels: Record<string, string> = {}): CrmRow[] {
        return attributes.map((a) => ({
            attributes: a,
            formatted: Object.fromEntries(
                Object.entries(labels)
                    .filter(([column]) => a[column] !== undefined && a[column] !== null)
                    .map(([column, label]) => [column, `${label} ${String(a[column])}`]),
            ),
        }));
    }

    async readPage(
        entity: string,
        request: { columns: readonly string[]; pageSize: number; count: boolean; next?: string },
    ): Promise<CrmPage> {
        this.requests.push({
            entity,
            pageSize: request.pageSize,
            count: request.count,
            ...(request.next ? { next: request.next } : {}),
        });
        const failure = this.failures[entity]?.shift();
        if (failure !== undefined) throw failure;
        const all = this.tables[entity] ?? [];
        const from = request.next === undefined ? 0 : Number(request.next);
        const start = from > 0 && this.repeatRow.has(entity) ? from - 1 : from;
        const rows = all.slice(start, from + request.pageSize).map((r) => ({
            attributes: Object.fromEntries(Object.entries(r.attributes).filter(([c]) => request.columns.includes(c))),
            formatted: r.formatted,
        }));
        const end = from + request.pageSize;
        const skew = request.count ? (this.countSkew[entity]?.shift() ?? 0) : 0;
        return {
            rows,
            ...(end < all.length ? { next: String(end) } : {}),
            ...(request.count ? { count: { value: all.length + skew, capped: this.countCapped.has(entity) } } : {}),
        };
    }
}
